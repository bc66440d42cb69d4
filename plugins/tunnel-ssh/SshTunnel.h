// tunnel-ssh: publishes the gateway through a reverse forward (ssh -R) on an SSH server the user
// names: key-based, the server's host key checked against known_hosts, and kept up by a
// supervisor that reconnects with exponential backoff when the connection drops.
#pragma once

#include <memory>
#include <string>

#include "process/ProcessSupervisor.h"
#include "SshTunnelSettings.h"
#include "moat/plugin.hpp"

namespace moat::tunnel {

class SshTunnel : public Tunnel {
 public:
  SshTunnel(const Host& host, const json::Value& config) : host_(host), settings_(readSshTunnelSettings(config, host.instanceName())) {}

  std::string open(std::string_view localUrl) override;
  std::string status() override;
  void close() override { ssh_.reset(); }

 private:
  Host host_;
  SshTunnelSettings settings_;
  std::string publicUrl_;
  std::unique_ptr<process::ProcessSupervisor> ssh_;
};

}  // namespace moat::tunnel
