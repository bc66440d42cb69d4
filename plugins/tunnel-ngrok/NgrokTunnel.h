// tunnel-ngrok: publishes the gateway through the ngrok agent the user has installed (ngrok v3,
// 3.16 or later for --url and --pooling-enabled), passing the URL, pooling and traffic policy
// through and reading the public URL back from the agent's log. The authtoken reaches the agent
// in its environment (NGROK_AUTHTOKEN), never on a command line.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "process/ProcessSupervisor.h"
#include "moat/plugin.hpp"

namespace moat::tunnel {

struct NgrokSettings {
  std::string authToken;  // empty: the agent's own configuration file (ngrok config add-authtoken)
  std::string url;        // a reserved URL, or empty for one ngrok assigns
  bool pooling = false;
  std::string trafficPolicyFile;
  std::string binary = "ngrok";
  int64_t maxBackoffMs = 30'000;
  int64_t startTimeoutMs = 20'000;
};

// ToolHive's provider arguments: auth-token (or auth-token-file, or NGROK_AUTHTOKEN), url,
// pooling, traffic-policy-file; plus ngrok-binary. Throws std::runtime_error "key: problem".
NgrokSettings readNgrokSettings(const Host& host, const json::Value& config);

// The public URL in an agent log line (logfmt): msg="started tunnel" ... url=https://...
std::optional<std::string> startedTunnelUrl(const std::string& line);

class NgrokTunnel : public Tunnel {
 public:
  NgrokTunnel(const Host& host, const json::Value& config) : host_(host), settings_(readNgrokSettings(host, config)) {}

  std::string open(std::string_view localUrl) override;
  std::string status() override;
  void close() override { agent_.reset(); }

 private:
  Host host_;
  NgrokSettings settings_;
  std::string publicUrl_;
  std::unique_ptr<process::ProcessSupervisor> agent_;
};

}  // namespace moat::tunnel
