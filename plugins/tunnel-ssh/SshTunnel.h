// tunnel-ssh: publishes the gateway through a reverse forward (ssh -R) on an SSH server the user
// names: key-based, the server's host key checked against known_hosts, and kept up by a
// supervisor that reconnects with exponential backoff when the connection drops.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "SshTunnelSettings.h"
#include "moat/plugin.hpp"

namespace moat::tunnel {

class SshTunnel : public Tunnel {
 public:
  SshTunnel(const Host& host, const json::Value& config);
  ~SshTunnel() override;

  std::string open(std::string_view localUrl) override;
  std::string status() override;
  void close() override;

 private:
  enum class State { Down, Connecting, Up, Reconnecting };
  void supervise(std::vector<std::string> command);
  // One ssh process, until it exits. Returns whether its forward came up.
  bool runOnce(const std::vector<std::string>& command);
  void noteLine(const std::string& line, bool& up);
  std::string lastErrors() const;  // caller holds mutex_

  Host host_;
  SshTunnelSettings settings_;
  std::string publicUrl_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  State state_ = State::Down;
  bool stopping_ = false;
  bool attemptFinished_ = false;
  pid_t child_ = -1;
  int connections_ = 0;
  std::deque<std::string> errors_;  // ssh's last non-debug lines, for messages
  std::thread supervisor_;
};

}  // namespace moat::tunnel
