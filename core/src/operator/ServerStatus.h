// The status an MCPServer reports: phase, URL and the Ready and AuthConfigured conditions, in
// the shape `kubectl wait --for=condition=Ready` and printer columns read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moat/json.hpp"

namespace moat::op {

struct Condition {
  std::string type;
  bool status = false;
  std::string reason, message;
};

struct ServerStatus {
  int64_t observedGeneration = 0;
  std::string phase;  // Pending, Running, Failed, Terminating
  std::string url;
  std::vector<Condition> conditions;
};

// The `status` member to write, keeping each condition's lastTransitionTime from `previous`
// when its status did not change.
json::Value statusJson(const ServerStatus& status, const json::Value& previous);

// Conditions of `next` whose status, reason or message differ from `previous` (for events).
std::vector<Condition> changedConditions(const ServerStatus& next, const json::Value& previous);

// Whether `status` says the same as `previous` (times aside): nothing to write.
bool sameStatus(const ServerStatus& status, const json::Value& previous);

}  // namespace moat::op
