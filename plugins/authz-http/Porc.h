// The Principal-Operation-Resource-Context document ToolHive's HTTP PDP authorizer sends, built
// the same way so a decision point written for ToolHive answers Moat unchanged: the principal
// from the token's claims (sub; roles as mroles, groups as mgroups, scope(s) as scopes,
// clearance as mclearance, annotations as mannotations, each taken from its m-prefixed claim
// first), the operation "mcp:<feature>:<operation>", the resource
// "mrn:mcp:<server>:<feature>:<name>", and context.mcp with the feature, operation, resource id
// and arguments.
#pragma once

#include <string>

#include "PdpSettings.h"
#include "moat/json.hpp"
#include "moat/plugin.hpp"

namespace moat::pdp {

json::Value porc(const Settings& settings, const json::Value& claims, const AuthzQuery& query, const json::Value& arguments);

// The operation ToolHive names: tool call, prompt get, resource read.
std::string operationName(const AuthzQuery& query);

}  // namespace moat::pdp
