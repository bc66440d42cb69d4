// The tunnel-ssh provider arguments: which SSH server carries the reverse forward, with which
// key, checked against which known host key, and the URL clients will use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::tunnel {

struct SshTunnelSettings {
  std::string host;
  uint16_t port = 22;
  std::string user;
  std::string identityFile;
  std::string knownHostsFile;   // the server's key must be in it: never trust on first use
  uint16_t remotePort = 0;
  std::string remoteBindAddress = "127.0.0.1";  // 0.0.0.0 needs GatewayPorts on the server
  std::string publicUrl;        // what clients use; default http://host:remote_port
  int64_t maxBackoffMs = 30'000;
  int64_t connectTimeoutMs = 15'000;
  std::string sshBinary = "ssh";
};

// Throws std::runtime_error "key: problem".
SshTunnelSettings readSshTunnelSettings(const json::Value& config, std::string_view instance = {});

// The ssh command line for one connection that forwards remote -> localHost:localPort.
std::vector<std::string> sshCommand(const SshTunnelSettings& s, const std::string& localHost, uint16_t localPort);

}  // namespace moat::tunnel
