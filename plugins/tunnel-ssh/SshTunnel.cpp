#include "SshTunnel.h"

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

struct LocalTarget {
  std::string host;
  uint16_t port = 0;
  std::string path;
};

// http://127.0.0.1:8080/mcp -> {127.0.0.1, 8080, /mcp}
LocalTarget parseLocalUrl(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) throw std::runtime_error("tunnel-ssh publishes http:// URLs, got " + std::string(url));
  std::string_view rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  LocalTarget t;
  t.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) throw std::runtime_error("the local URL needs a port: " + std::string(url));
  t.host = std::string(authority.substr(0, colon));
  t.port = static_cast<uint16_t>(std::stoi(std::string(authority.substr(colon + 1))));
  return t;
}

const char* stateName(int state) {
  static const char* names[] = {"down", "connecting", "up", "reconnecting"};
  return names[state];
}

}  // namespace

SshTunnel::SshTunnel(const Host& host, const json::Value& config) : host_(host), settings_(readSshTunnelSettings(config)) {}

SshTunnel::~SshTunnel() { close(); }

std::string SshTunnel::open(std::string_view localUrl) {
  LocalTarget local = parseLocalUrl(localUrl);
  std::unique_lock lock(mutex_);
  if (supervisor_.joinable()) throw std::runtime_error("this tunnel is already open");
  state_ = State::Connecting;
  stopping_ = false;
  attemptFinished_ = false;
  supervisor_ = std::thread(&SshTunnel::supervise, this, sshCommand(settings_, local.host, local.port));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.connectTimeoutMs + 5'000);
  changed_.wait_until(lock, deadline, [&] { return state_ == State::Up || attemptFinished_; });
  if (state_ != State::Up) {
    std::string why = lastErrors();
    lock.unlock();
    close();
    throw std::runtime_error("ssh to " + settings_.user + "@" + settings_.host + ":" + std::to_string(settings_.port) +
                             " did not establish the reverse forward" + (why.empty() ? "" : ": " + why));
  }
  publicUrl_ = settings_.publicUrl + local.path;
  return publicUrl_;
}

std::string SshTunnel::status() {
  std::lock_guard lock(mutex_);
  return "{\"state\":\"" + std::string(stateName(static_cast<int>(state_))) + "\",\"public_url\":" + json::quote(publicUrl_) +
         ",\"connections\":" + std::to_string(connections_) + "}";
}

void SshTunnel::close() {
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

void SshTunnel::supervise(std::vector<std::string> command) {
  int64_t backoffMs = 1'000;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    const bool wasUp = runOnce(command);
    std::unique_lock lock(mutex_);
    attemptFinished_ = true;
    if (stopping_) break;
    state_ = State::Reconnecting;
    // A connection that held for a while resets the backoff; one that keeps failing grows it.
    if (wasUp && std::chrono::steady_clock::now() - started > std::chrono::seconds(10)) backoffMs = 1'000;
    host_.warn("ssh to " + settings_.host + " ended (" + lastErrors() + "); reconnecting in " + std::to_string(backoffMs / 1000) + " s");
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::milliseconds(backoffMs), [&] { return stopping_; });
    if (stopping_) break;
    backoffMs = std::min(backoffMs * 2, settings_.maxBackoffMs);
  }
  changed_.notify_all();
}

bool SshTunnel::runOnce(const std::vector<std::string>& command) {
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // The gateway blocks SIGTERM/SIGINT for sigwait and ignores SIGPIPE; ssh must not inherit that.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawned;
  {
    std::lock_guard lock(mutex_);
    spawned = stopping_ ? -1 : posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    if (spawned == 0) child_ = pid;
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(err[1]);
  if (spawned != 0) {
    ::close(err[0]);
    std::lock_guard lock(mutex_);
    if (spawned > 0) errors_.push_back("cannot run " + command[0] + ": " + std::strerror(spawned));
    return false;
  }
  bool up = false;
  std::string pending;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(err[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1))
      noteLine(pending.substr(0, eol), up);
  }
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  child_ = -1;
  return up;
}

void SshTunnel::noteLine(const std::string& raw, bool& up) {
  std::string line = raw;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::lock_guard lock(mutex_);
  if (line.find("remote forward success for:") != std::string::npos) {
    up = true;
    state_ = State::Up;
    ++connections_;
    host_.info("reverse forward up through " + settings_.host + " (" + settings_.publicUrl + ")");
    changed_.notify_all();
    return;
  }
  if (line.rfind("debug", 0) == 0 || line.rfind("OpenSSH_", 0) == 0 || line.empty()) return;
  errors_.push_back(line.substr(0, 200));
  while (errors_.size() > 3) errors_.pop_front();
}

std::string SshTunnel::lastErrors() const {
  std::string out;
  for (const auto& e : errors_) out += (out.empty() ? "" : "; ") + e;
  return out.empty() ? "no message from ssh" : out;
}

}  // namespace moat::tunnel
