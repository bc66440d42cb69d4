#include "runtime/WorkloadSpec.h"

#include "moat/json.hpp"

namespace moat::core {

std::string workloadSpec(const config::ServerConfig& server) {
  const auto& up = server.upstream;
  std::string spec = "{\"name\":" + json::quote(server.name);
  if (!up.command.empty()) spec += ",\"command\":" + json::quote(up.command);
  if (!up.image.empty()) spec += ",\"image\":" + json::quote(up.image);
  spec += ",\"args\":[";
  for (size_t i = 0; i < up.args.size(); ++i) spec += (i ? "," : "") + json::quote(up.args[i]);
  spec += "],\"env\":{";
  for (size_t i = 0; i < up.env.size(); ++i) spec += (i ? "," : "") + json::quote(up.env[i].first) + ":" + json::quote(up.env[i].second);
  spec += "}";
  switch (up.transport) {
    case config::UpstreamTransport::Stdio: spec += ",\"transport\":\"stdio\""; break;
    case config::UpstreamTransport::StreamableHttp: spec += ",\"transport\":\"streamable-http\""; break;
    case config::UpstreamTransport::Sse: spec += ",\"transport\":\"sse\""; break;
  }
  if (up.targetPort) spec += ",\"target_port\":" + std::to_string(up.targetPort);
  if (!up.workdir.empty()) spec += ",\"workdir\":" + json::quote(up.workdir);
  if (!up.isolationJson.empty()) spec += ",\"isolation\":" + up.isolationJson;
  if (!up.volumes.empty()) {
    spec += ",\"volumes\":[";
    for (size_t i = 0; i < up.volumes.size(); ++i)
      spec += std::string(i ? "," : "") + "{\"source\":" + json::quote(up.volumes[i].source) + ",\"target\":" + json::quote(up.volumes[i].target) +
              ",\"writable\":" + (up.volumes[i].writable ? "true" : "false") + "}";
    spec += "]";
  }
  return spec + "}";
}

}  // namespace moat::core
