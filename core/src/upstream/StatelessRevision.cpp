#include "upstream/StatelessRevision.h"

#include <set>

namespace moat::gateway {

void add2026Fields(const std::string& method, json::Value& result) {
  if (!result.isObject()) return;
  auto& m = result.mutableMembers();
  if (!m.count("resultType")) m["resultType"] = json::Value::makeString("complete");
  static const std::set<std::string> cacheable{"server/discover", "tools/list", "prompts/list", "resources/list",
                                               "resources/templates/list", "resources/read"};
  if (cacheable.count(method)) {
    if (!m.count("ttlMs")) m["ttlMs"] = json::Value::makeNumber(0);
    if (!m.count("cacheScope")) m["cacheScope"] = json::Value::makeString("private");
  }
}

std::string headerProblem(const Exchange& exchange, const json::Value& message) {
  const auto& request = exchange.request;
  const std::string method = message.stringOr("method", "");
  if (!request.has("Mcp-Method")) return "missing Mcp-Method header";
  if (request.get("Mcp-Method") != method)
    return "Mcp-Method header '" + request.get("Mcp-Method") + "' does not match the body's method '" + method + "'";
  if (request.has("Mcp-Name")) {
    const json::Value* params = message.find("params");
    std::string name = !params || !params->isObject() ? std::string()
                       : method == "resources/read"  ? params->stringOr("uri", "")
                                                     : params->stringOr("name", "");
    if ((method == "tools/call" || method == "prompts/get" || method == "resources/read") && request.get("Mcp-Name") != name)
      return "Mcp-Name header '" + request.get("Mcp-Name") + "' does not match the body";
  }
  return "";
}

json::Value discoverResult(const json::Value& initialized) {
  json::Value discovered = json::Value::makeObject();
  auto& d = discovered.mutableMembers();
  json::Value versions = json::Value::makeArray();
  versions.mutableItems().push_back(json::Value::makeString(std::string(kStatelessRevision)));
  versions.mutableItems().push_back(json::Value::makeString(initialized.stringOr("protocolVersion", "2025-11-25")));
  d["supportedVersions"] = versions;
  for (const char* field : {"capabilities", "serverInfo", "instructions"})
    if (const json::Value* v = initialized.isObject() ? initialized.find(field) : nullptr) d[field] = *v;
  add2026Fields("server/discover", discovered);
  return discovered;
}

}  // namespace moat::gateway
