#include "gateway/ToolView.h"

#include "gateway/ListItems.h"
#include "pipeline/AuthorizationGate.h"

#include <stdexcept>
#include <string_view>

#include "moat/json.hpp"

namespace moat::gateway {

ToolView::ToolView(const config::ToolsConfig& tools) : allow_(tools.allow.begin(), tools.allow.end()), deny_(tools.deny.begin(), tools.deny.end()), tools_(tools) {
  for (const auto& tool : tools_.overrides) {
    byOriginal_[tool.original] = &tool;
    if (!tool.name.empty()) originalByNewName_[tool.name] = tool.original;
  }
}

bool ToolView::shown(const std::string& name) const {
  return (allow_.empty() || allow_.count(name)) && !deny_.count(name);
}

std::optional<std::string> ToolView::serverName(const std::string& shownName) const {
  if (!shown(shownName)) return std::nullopt;
  if (auto renamed = originalByNewName_.find(shownName); renamed != originalByNewName_.end()) return renamed->second;
  // The old name of a renamed tool is not in the list clients get, so it is not callable either.
  if (auto tool = byOriginal_.find(shownName); tool != byOriginal_.end() && !tool->second->name.empty()) return std::nullopt;
  return shownName;
}

void ToolView::rewriteTools(json::Value& tools) const {
  std::vector<json::Value> kept;
  for (auto& tool : tools.mutableItems()) {
    if (!tool.isObject()) continue;
    auto& fields = tool.mutableMembers();
    auto name = fields.find("name");
    if (name == fields.end() || !name->second.isString()) continue;  // a nameless tool cannot be judged: left out
    std::string shownName = name->second.asString();
    if (auto o = byOriginal_.find(shownName); o != byOriginal_.end()) {
      if (!o->second->name.empty()) shownName = o->second->name;
      if (!o->second->description.empty()) fields["description"] = json::Value::makeString(o->second->description);
    } else if (originalByNewName_.count(shownName)) {
      continue;  // the server has a tool of the name another was renamed to: one name, one tool
    }
    if (!shown(shownName)) continue;
    fields["name"] = json::Value::makeString(shownName);
    kept.push_back(std::move(tool));
  }
  tools.mutableItems() = std::move(kept);
}

bool ToolView::rewriteListAnswer(std::string& message) const {
  if (message.find("\"tools\"") == std::string::npos) return false;
  json::Value answer;
  try {
    answer = json::parse(message);
  } catch (const std::exception&) {
    return false;
  }
  json::Value* tools = listItems(answer, "tools/list");
  if (!tools) return false;
  rewriteTools(*tools);
  message = json::write(answer);
  return true;
}

std::optional<std::string> ToolView::rewriteCall(const std::string& body, std::string& refused) const {
  json::Value request;
  try {
    request = json::parse(body);
  } catch (const std::exception&) {
    return body;  // not JSON: the server answers it as it would
  }
  bool changed = false;
  auto mapOne = [&](json::Value& message) {
    if (!message.isObject()) return true;
    if (core::hasCaseVariant(message, {"method", "params"})) throw std::invalid_argument("a JSON-RPC member name in the wrong case");
    if (const json::Value* p = message.find("params"); p && p->isObject() && core::hasCaseVariant(*p, {"name"}))
      throw std::invalid_argument("a parameter name in the wrong case");
    const json::Value* method = message.find("method");
    if (!method || !method->isString() || method->asString() != "tools/call") return true;
    auto params = message.mutableMembers().find("params");
    if (params == message.mutableMembers().end() || !params->second.isObject()) return true;
    auto name = params->second.mutableMembers().find("name");
    if (name == params->second.mutableMembers().end() || !name->second.isString()) return true;
    const std::string called = name->second.asString();
    std::optional<std::string> server = serverName(called);
    if (!server) {
      refused = called;
      return false;
    }
    if (*server != called) {
      name->second = json::Value::makeString(*server);
      changed = true;
    }
    return true;
  };
  if (request.isArray()) {
    for (auto& message : request.mutableItems()) {
      // Its answer would come inside an array the view cannot match to it.
      if (message.isObject() && message.stringOr("method", "") == "tools/list")
        throw std::invalid_argument("tools/list inside a batch (send it alone)");
      if (!mapOne(message)) return std::nullopt;
    }
  } else if (!mapOne(request)) {
    return std::nullopt;
  }
  return changed ? json::write(request) : body;
}

}  // namespace moat::gateway
