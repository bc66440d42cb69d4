#include "ProcessSupervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace moat::tunnel {
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
  int64_t backoffMs = 1'000;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    const bool wasUp = runOnce();
    std::unique_lock lock(mutex_);
    attemptFinished_ = true;
    if (stopping_) break;
    state_ = State::Reconnecting;
    // A process that held for a while resets the backoff; one that keeps failing grows it.
    if (wasUp && std::chrono::steady_clock::now() - started > std::chrono::seconds(10)) backoffMs = 1'000;
    host_.warn(options_.name + " ended (" + lastReported() + "); reconnecting in " + std::to_string(backoffMs / 1000) + " s");
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::milliseconds(backoffMs), [&] { return stopping_; });
    if (stopping_) break;
    backoffMs = std::min(backoffMs * 2, options_.maxBackoffMs);
  }
  changed_.notify_all();
}

bool ProcessSupervisor::runOnce() {
  int output[2];
  if (::pipe2(output, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output[1], 1);
  posix_spawn_file_actions_adddup2(&actions, output[1], 2);
  // The gateway blocks SIGTERM/SIGINT for sigwait and ignores SIGPIPE; the child must not inherit that.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv, envp;
  for (const auto& a : options_.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (const auto& e : options_.extraEnvironment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  int spawned;
  {
    std::lock_guard lock(mutex_);
    spawned = stopping_ ? -1 : posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
    if (spawned == 0) child_ = pid;
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(output[1]);
  if (spawned != 0) {
    ::close(output[0]);
    std::lock_guard lock(mutex_);
    if (spawned > 0) reported_.push_back("cannot run " + options_.command[0] + ": " + std::strerror(spawned));
    return false;
  }
  bool up = false;
  std::string pending;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(output[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1)) noteLine(pending.substr(0, eol), up);
  }
  ::close(output[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
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

}  // namespace moat::tunnel
