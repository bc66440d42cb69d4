// ToolHive's Cedar model, so its policies run unchanged: the principal Client::"<sub>" with the
// token's claims as claim_* attributes and its groups (and roles) as parents of the group entity
// type (THVGroup by default); the action call_tool, get_prompt or read_resource; the resource
// Tool::"<name>", Prompt::"<name>" or Resource::"<uri with :/\?&=# .space as _>" with name,
// operation, feature, the tool's annotations and arg_* attributes (a complex argument as
// arg_<name>_present), and a parent MCP::"<server>" when a server name is set; the context
// holds the claim_* and arg_* values too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "moat/json.hpp"

namespace moat::cedar {

struct Model {
  std::vector<std::string> groupClaims{"groups", "roles", "cognito:groups"};  // the first one present is used
  std::string roleClaim;                  // also parents, when set
  std::string groupEntityType = "THVGroup";
  std::string serverName;                 // empty: no MCP parent
};

struct Question {
  std::string_view subject;
  const json::Value* claims = nullptr;     // an object
  std::string_view feature;                // tool, prompt, resource
  std::string_view operation;              // call, get, read
  std::string_view target;
  const json::Value* arguments = nullptr;  // an object, or null
  const json::Value* annotations = nullptr;
};

// Cedar's JSON request (principal, action, resource, context, entities) for `question`.
std::string requestJson(const Model& model, const Question& question);

// Cedar's action name for a feature and operation: call_tool, get_prompt, read_resource.
std::string actionName(std::string_view feature, std::string_view operation);

// ToolHive's resource id for a URI.
std::string resourceId(std::string_view uri);

}  // namespace moat::cedar
