#include "Porc.h"

namespace moat::pdp {
namespace {

void copyClaim(json::Value& principal, const json::Value& claims, const char* target, std::initializer_list<const char*> sources) {
  for (const char* source : sources)
    if (const json::Value* value = claims.find(source)) {
      principal.mutableMembers()[target] = *value;
      return;
    }
}

}  // namespace

std::string operationName(const AuthzQuery& query) {
  return "mcp:" + std::string(query.feature) + ":" + std::string(query.operation);
}

json::Value porc(const Settings& settings, const json::Value& claims, const AuthzQuery& query, const json::Value& arguments) {
  json::Value principal = json::Value::makeObject();
  copyClaim(principal, claims, "sub", {"sub"});
  copyClaim(principal, claims, "mroles", {"mroles", "roles"});
  copyClaim(principal, claims, "mgroups", {"mgroups", "groups"});
  copyClaim(principal, claims, "scopes", {"scopes", "scope"});
  copyClaim(principal, claims, "mclearance", {"mclearance", "clearance"});
  copyClaim(principal, claims, "mannotations", {"mannotations", "annotations"});
  // Some decision points need the member present to evaluate the identity at all.
  if (!principal.find("mannotations")) principal.mutableMembers()["mannotations"] = json::Value::makeObject();

  json::Value context = json::Value::makeObject();
  json::Value mcp = json::Value::makeObject();
  if (settings.includeOperation) {
    mcp.mutableMembers()["feature"] = json::Value::makeString(std::string(query.feature));
    mcp.mutableMembers()["operation"] = json::Value::makeString(std::string(query.operation));
    mcp.mutableMembers()["resource_id"] = json::Value::makeString(std::string(query.target));
  }
  if (settings.includeArguments && arguments.isObject() && !arguments.members().empty()) mcp.mutableMembers()["args"] = arguments;
  if (!mcp.members().empty()) context.mutableMembers()["mcp"] = std::move(mcp);

  json::Value out = json::Value::makeObject();
  out.mutableMembers()["principal"] = std::move(principal);
  out.mutableMembers()["operation"] = json::Value::makeString(operationName(query));
  out.mutableMembers()["resource"] =
      json::Value::makeString("mrn:mcp:" + settings.serverId + ":" + std::string(query.feature) + ":" + std::string(query.target));
  out.mutableMembers()["context"] = std::move(context);
  return out;
}

}  // namespace moat::pdp
