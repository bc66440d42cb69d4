#include "runtime/WorkloadSpec.h"

#include "moat/json.hpp"

namespace moat::core {

std::string stdioWorkloadSpec(const config::ServerConfig& server) {
  const auto& up = server.upstream;
  std::string spec = "{\"name\":" + json::quote(server.name) + ",\"command\":" + json::quote(up.command) + ",\"args\":[";
  for (size_t i = 0; i < up.args.size(); ++i) spec += (i ? "," : "") + json::quote(up.args[i]);
  spec += "],\"env\":{";
  for (size_t i = 0; i < up.env.size(); ++i) spec += (i ? "," : "") + json::quote(up.env[i].first) + ":" + json::quote(up.env[i].second);
  spec += "},\"transport\":\"stdio\"";
  if (!up.workdir.empty()) spec += ",\"workdir\":" + json::quote(up.workdir);
  if (!up.isolationJson.empty()) spec += ",\"isolation\":" + up.isolationJson;
  return spec + "}";
}

}  // namespace moat::core
