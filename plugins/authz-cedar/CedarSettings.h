// authz-cedar's configuration: where the policies come from (inline, .cedar files, or a
// ToolHive authorization config file as `thv run --authz-config` takes it), the fixed entities,
// and the model's knobs.
#pragma once

#include <string>
#include <vector>

#include "CedarEngine.h"
#include "CedarRequest.h"
#include "moat/json.hpp"

namespace moat::cedar {

struct Settings {
  std::vector<PolicySource> policies;
  std::string entitiesJson;  // Cedar's JSON entity format; empty: none
  Model model;
  size_t cacheSize = 10000;  // decisions kept; 0: none
  int64_t cacheTtlMs = 60000;
};

// Throws std::runtime_error "<key>: <problem>"; a policy that does not parse is reported by
// the Engine built from these settings.
Settings readSettings(const json::Value& config, std::string_view instance);

}  // namespace moat::cedar
