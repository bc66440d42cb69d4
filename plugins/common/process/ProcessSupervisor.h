// Keeps one helper process of a tunnel provider running (ssh, the ngrok agent): starts it, reads
// its output line by line to learn when it is up and why it failed, and restarts it with
// exponential backoff when it exits, until stopped. Shared by the tunnel plugins.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::process {

class ProcessSupervisor {
 public:
  struct Options {
    std::string name;                           // for log lines: "ssh to bastion", "ngrok agent"
    std::vector<std::string> command;
    std::vector<std::string> extraEnvironment;  // NAME=value, on top of the gateway's environment
    // A value (the public URL, or anything non-empty) when a line says the tunnel is up.
    std::function<std::optional<std::string>(const std::string& line)> upWhen;
    // Lines worth quoting when the process fails (its errors, not its chatter).
    std::function<bool(const std::string& line)> worthReporting;
    int64_t readyTimeoutMs = 20'000;
    int64_t maxBackoffMs = 30'000;
  };

  ProcessSupervisor(Host host, Options options);
  ~ProcessSupervisor();
  ProcessSupervisor(const ProcessSupervisor&) = delete;
  ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

  // Starts the process and waits until it is up; returns the up value. Throws
  // std::runtime_error quoting the process's last reported lines when it is not up in time.
  std::string start();
  void stop();

  // {"state":"up|connecting|reconnecting|down","connections":N}
  std::string statusJson() const;

 private:
  enum class State { Down, Connecting, Up, Reconnecting };
  void supervise();
  bool runOnce();  // one process, until it exits; whether it came up
  void noteLine(const std::string& line, bool& up);
  std::string lastReported() const;  // caller holds mutex_

  Host host_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  State state_ = State::Down;
  bool stopping_ = false;
  bool attemptFinished_ = false;
  pid_t child_ = -1;
  int connections_ = 0;
  std::string upValue_;
  std::deque<std::string> reported_;
  std::thread supervisor_;
};

}  // namespace moat::process
