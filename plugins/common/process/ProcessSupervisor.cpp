#include "process/ProcessSupervisor.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>

#include "moat/restart.hpp"
#include "process/Subprocess.h"

namespace moat::process {
namespace {

const char* stateName(int state) {
  static const char* names[] = {"down", "connecting", "up", "reconnecting"};
  return names[state];
}

}  // namespace

ProcessSupervisor::ProcessSupervisor(Host host, Options options) : host_(host), options_(std::move(options)) {}

ProcessSupervisor::~ProcessSupervisor() { stop(); }

std::string ProcessSupervisor::start() {
  std::unique_lock lock(mutex_);
  if (supervisor_.joinable()) throw std::runtime_error(options_.name + " is already running");
  state_ = State::Connecting;
  stopping_ = false;
  attemptFinished_ = false;
  supervisor_ = std::thread(&ProcessSupervisor::supervise, this);
  changed_.wait_for(lock, std::chrono::milliseconds(options_.readyTimeoutMs), [&] { return state_ == State::Up || attemptFinished_; });
  if (state_ == State::Up) return upValue_;
  std::string why = lastReported();
  lock.unlock();
  stop();
  throw std::runtime_error(options_.name + " did not come up: " + why);
}

void ProcessSupervisor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (child_ > 0) ::kill(child_, SIGTERM);
  }
  changed_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  std::lock_guard lock(mutex_);
  state_ = State::Down;
}

std::string ProcessSupervisor::statusJson() const {
  std::lock_guard lock(mutex_);
  return "{\"state\":\"" + std::string(stateName(static_cast<int>(state_))) + "\",\"connections\":" + std::to_string(connections_) + "}";
}

void ProcessSupervisor::supervise() {
  RestartSchedule::Policy policy;
  policy.initialMs = 1'000;
  policy.maxMs = options_.maxBackoffMs;
  RestartSchedule schedule(policy);
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    const bool wasUp = runOnce();
    std::unique_lock lock(mutex_);
    attemptFinished_ = true;
    if (stopping_) break;
    state_ = State::Reconnecting;
    // Only a run that connected counts towards recovery; one that never came up is a failure however long it took.
    const auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    const auto wait = schedule.failed(wasUp ? ran : 0);
    host_.warn(options_.name + " ended (" + lastReported() + "); reconnecting in " + std::to_string(wait.count()) + " ms");
    changed_.notify_all();
    changed_.wait_for(lock, wait, [&] { return stopping_; });
    if (stopping_) break;
  }
  changed_.notify_all();
}

bool ProcessSupervisor::runOnce() {
  Spawned child;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    try {
      child = spawn({options_.command, options_.extraEnvironment, SpawnOptions::Output::PipeWithStderr});
    } catch (const std::exception& e) {
      reported_.push_back(e.what());
      return false;
    }
    child_ = child.pid;
  }
  const int output = child.output;
  bool up = false;
  std::string pending;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(output, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1)) noteLine(pending.substr(0, eol), up);
  }
  ::close(output);
  waitForExit(child.pid);
  std::lock_guard lock(mutex_);
  child_ = -1;
  return up;
}

void ProcessSupervisor::noteLine(const std::string& raw, bool& up) {
  std::string line = raw;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::lock_guard lock(mutex_);
  if (auto value = options_.upWhen(line)) {
    up = true;
    state_ = State::Up;
    upValue_ = *value;
    ++connections_;
    host_.info(options_.name + " is up");
    changed_.notify_all();
    return;
  }
  if (line.empty() || !options_.worthReporting(line)) return;
  reported_.push_back(line.substr(0, 300));
  while (reported_.size() > 3) reported_.pop_front();
}

std::string ProcessSupervisor::lastReported() const {
  std::string out;
  for (const auto& line : reported_) out += (out.empty() ? "" : "; ") + line;
  return out.empty() ? "it said nothing" : out;
}

}  // namespace moat::process
