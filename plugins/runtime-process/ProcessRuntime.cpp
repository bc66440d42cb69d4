#include "ProcessRuntime.h"

#include "Isolation.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace {

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

ProcessRuntime::ProcessRuntime(const moat::Host& host, const moat::json::Value&) : host_(host) {}

ProcessRuntime::~ProcessRuntime() {
  std::map<std::string, std::shared_ptr<Workload>> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    all.swap(workloads_);
  }
  for (auto& [id, w] : all) {
    if (!w->exited) ::kill(w->pid, SIGKILL);
    reap(*w, true);
    closeFd(w->stdinFd);
    closeFd(w->stdoutFd);
    if (w->stderrReader.joinable()) w->stderrReader.join();
  }
}

std::string ProcessRuntime::start(std::string_view specJson) {
  moat::json::Value spec = moat::json::parse(specJson);
  std::string command = spec.stringOr("command", "");
  if (command.empty()) throw std::runtime_error("spec.command is required");
  std::vector<std::string> args{command};
  if (const auto* a = spec.find("args"))
    for (const auto& item : a->items()) args.push_back(item.asString());
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  if (const auto* e = spec.find("env"))
    for (const auto& [k, v] : e->members()) env.push_back(k + "=" + v.asString());
  std::string workdir = spec.stringOr("workdir", "");
  if (const auto* isolation = spec.find("isolation"); isolation && !isolation->isNull()) args = isolatedCommand(*isolation, args);

  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(errnoText("pipe"));
  if (::pipe2(out, O_CLOEXEC) != 0) { ::close(in[0]); ::close(in[1]); throw std::runtime_error(errnoText("pipe")); }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    throw std::runtime_error(errnoText("pipe"));
  }
  int ready[2];  // tells the parent whether exec worked
  if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error(errnoText("pipe"));

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(errnoText("fork"));
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    // The gateway's listening and client sockets must not leak into the server; only the
    // exec-status pipe stays open, and it closes itself on exec.
    unsigned keep = static_cast<unsigned>(ready[1]);
    if (keep > 3) ::syscall(SYS_close_range, 3u, keep - 1, 0u);
    ::syscall(SYS_close_range, keep + 1, ~0u, 0u);
    if (!workdir.empty() && ::chdir(workdir.c_str()) != 0) {
      int e = errno;
      [[maybe_unused]] ssize_t n = ::write(ready[1], &e, sizeof e);
      ::_exit(127);
    }
    ::execvpe(argv[0], argv.data(), envp.data());
    int e = errno;
    [[maybe_unused]] ssize_t n = ::write(ready[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(ready[1]);
  int execErrno = 0;
  ssize_t got = ::read(ready[0], &execErrno, sizeof execErrno);
  ::close(ready[0]);
  if (got == sizeof execErrno) {
    ::waitpid(pid, nullptr, 0);
    for (int fd : {in[1], out[0], err[0]}) ::close(fd);
    throw std::runtime_error("cannot start " + command + ": " + std::strerror(execErrno));
  }

  auto w = std::make_shared<Workload>();
  w->name = spec.stringOr("name", "process");
  w->pid = pid;
  w->stdinFd = in[1];
  w->stdoutFd = out[0];
  w->stderrFd = err[0];
  {
    std::lock_guard<std::mutex> lock(mutex_);
    w->id = w->name + "-" + std::to_string(++counter_);
    workloads_[w->id] = w;
  }
  Workload* raw = w.get();
  moat::Host host = host_;
  w->stderrReader = std::thread([raw, host] {
    std::string pending;
    char buffer[4096];
    for (;;) {
      ssize_t n = ::read(raw->stderrFd, buffer, sizeof buffer);
      if (n <= 0) break;
      pending.append(buffer, static_cast<size_t>(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        host.info(raw->name + ": " + pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
    }
    if (!pending.empty()) host.info(raw->name + ": " + pending);
    ::close(raw->stderrFd);
  });
  host_.info("started " + w->id + " (pid " + std::to_string(pid) + "): " + command);
  return stateJson(*w);
}

void ProcessRuntime::reap(Workload& w, bool block) {
  if (w.exited) return;
  int status = 0;
  pid_t r = ::waitpid(w.pid, &status, block ? 0 : WNOHANG);
  if (r == w.pid) {
    w.exited = true;
    w.exitStatus = status;
  }
}

void ProcessRuntime::stop(std::string_view id, uint32_t timeoutMs) {
  auto w = find(id);
  std::lock_guard<std::mutex> lock(mutex_);
  closeFd(w->stdinFd);
  reap(*w, false);
  if (w->exited) return;
  ::kill(w->pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!w->exited && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    reap(*w, false);
  }
  if (!w->exited) {
    host_.warn(w->id + " ignored SIGTERM; sending SIGKILL");
    ::kill(w->pid, SIGKILL);
    reap(*w, true);
  }
}

std::string ProcessRuntime::inspect(std::string_view id) {
  auto w = find(id);
  std::lock_guard<std::mutex> lock(mutex_);
  reap(*w, false);
  return stateJson(*w);
}

void ProcessRuntime::remove(std::string_view id) {
  stop(id, 2000);
  std::shared_ptr<Workload> w;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = workloads_.find(std::string(id));
    if (it == workloads_.end()) return;
    w = it->second;
    workloads_.erase(it);
  }
  closeFd(w->stdoutFd);
  if (w->stderrReader.joinable()) w->stderrReader.join();
}

std::string ProcessRuntime::list() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out = "[";
  for (auto& [id, w] : workloads_) {
    reap(*w, false);
    out += (out.size() > 1 ? "," : "") + stateJson(*w);
  }
  return out + "]";
}

std::pair<int, int> ProcessRuntime::attachStdio(std::string_view id) {
  auto w = find(id);
  std::lock_guard<std::mutex> lock(mutex_);
  if (w->stdinFd < 0 || w->stdoutFd < 0) throw std::runtime_error(w->id + " is already attached");
  std::pair<int, int> fds{w->stdinFd, w->stdoutFd};
  w->stdinFd = -1;  // the host owns them now
  w->stdoutFd = -1;
  return fds;
}

std::shared_ptr<ProcessRuntime::Workload> ProcessRuntime::find(std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = workloads_.find(std::string(id));
  if (it == workloads_.end()) throw std::runtime_error("no workload " + std::string(id));
  return it->second;
}

std::string ProcessRuntime::stateJson(const Workload& w) {
  std::string state = w.exited ? "exited" : "running";
  std::string out = "{\"id\":" + moat::json::quote(w.id) + ",\"state\":\"" + state + "\",\"pid\":" + std::to_string(w.pid);
  if (w.exited) {
    if (WIFEXITED(w.exitStatus)) out += ",\"exit_code\":" + std::to_string(WEXITSTATUS(w.exitStatus));
    else if (WIFSIGNALED(w.exitStatus)) out += ",\"signal\":" + std::to_string(WTERMSIG(w.exitStatus));
  }
  return out + "}";
}

MOAT_RUNTIME_PLUGIN("runtime-process", "0.1.0", "runs MCP servers as local child processes (stdio)", ProcessRuntime)
