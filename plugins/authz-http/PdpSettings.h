// authz-http's configuration: the decision point's URL and the shape of what it is sent.
#pragma once

#include <cstdint>
#include <string>

#include "moat/json.hpp"

namespace moat::pdp {

struct Settings {
  enum class Shape {
    Porc,  // ToolHive's HTTP PDP: POST <url>/decision {principal, operation, resource, context} -> {"allow": bool}
    Opa,   // Open Policy Agent's Data API: POST <url> {"input": <the same>} -> {"result": bool | {"allow": bool}}
  } shape = Shape::Porc;
  std::string url;
  std::string serverId = "moat";  // mrn:mcp:<server_id>:<feature>:<name>
  bool includeArguments = true;   // context.mcp.args
  bool includeOperation = true;   // context.mcp.feature, operation, resource_id
  int64_t timeoutMs = 2000;
  size_t cacheSize = 10000;
  int64_t cacheTtlMs = 30000;
};

// Throws std::runtime_error "<key>: <problem>".
Settings readSettings(const json::Value& config, std::string_view instance);

}  // namespace moat::pdp
