#include "pipeline/AuthorizationGate.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "moat/json.hpp"

namespace moat::core {
namespace {

bool openMethod(std::string_view method) {
  static constexpr std::string_view kOpen[] = {"initialize", "ping", "logging/setLevel", "roots/list", "server/discover"};
  if (method.rfind("notifications/", 0) == 0) return true;
  return std::find(std::begin(kOpen), std::end(kOpen), method) != std::end(kOpen);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool hasCaseVariant(const json::Value& object, std::initializer_list<std::string_view> keys) {
  for (const auto& [name, value] : object.members()) {
    const std::string folded = lower(name);
    for (std::string_view key : keys)
      if (folded == key && name != key) return true;
  }
  return false;
}

namespace {

AuthzPlan refused(std::string reason) {
  AuthzPlan plan;
  plan.kind = AuthzPlan::Kind::Refused;
  plan.reason = std::move(reason);
  return plan;
}

AuthzPlan ask(std::string feature, std::string operation, std::string target, const json::Value* arguments) {
  AuthzPlan plan;
  plan.kind = AuthzPlan::Kind::Ask;
  plan.question.feature = std::move(feature);
  plan.question.operation = std::move(operation);
  plan.question.target = std::move(target);
  if (arguments && arguments->isObject()) plan.question.argumentsJson = json::write(*arguments);
  return plan;
}

}  // namespace

std::pair<std::string_view, std::string_view> listItemAccess(std::string_view listMethod) {
  if (listMethod == "tools/list") return {"tool", "call"};
  if (listMethod == "prompts/list") return {"prompt", "get"};
  if (listMethod == "resources/list" || listMethod == "resources/templates/list") return {"resource", "read"};
  return {};
}

AuthzPlan planAuthorization(RequestContext& request) {
  if (request.httpMethod != "POST") return {};  // GET streams and DELETE carry no JSON-RPC request
  json::Value message;
  try {
    message = json::parse(request.body);
  } catch (const std::exception&) {
    return refused("the request body is not JSON");
  }
  if (message.isArray()) return refused("JSON-RPC batches are not accepted where authorization applies");
  if (!message.isObject()) return refused("the request body is not a JSON-RPC message");
  if (hasCaseVariant(message, {"method", "params", "id", "jsonrpc"})) return refused("a JSON-RPC member name in the wrong case");
  const json::Value* methodValue = message.find("method");
  if (!methodValue) return {};  // a response to the server's own request (sampling, elicitation)
  if (!methodValue->isString()) return refused("the method is not a string");
  const std::string& method = methodValue->asString();
  if (openMethod(method)) return {};
  if (!listItemAccess(method).first.empty()) {
    AuthzPlan plan;
    plan.kind = AuthzPlan::Kind::List;
    return plan;
  }
  const json::Value* params = message.find("params");
  if (params && !params->isObject()) return refused("params is not an object");
  static const json::Value kNoParams = json::Value::makeObject();
  const json::Value& p = params ? *params : kNoParams;
  if (hasCaseVariant(p, {"name", "uri", "arguments", "ref"})) return refused("a parameter name in the wrong case");
  const json::Value* name = p.find("name");
  const json::Value* uri = p.find("uri");
  if (method == "tools/call" || method == "prompts/get") {
    if (!name || !name->isString()) return refused("params.name is missing");
    return ask(method == "tools/call" ? "tool" : "prompt", method == "tools/call" ? "call" : "get", name->asString(), p.find("arguments"));
  }
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe") {
    if (!uri || !uri->isString()) return refused("params.uri is missing");
    return ask("resource", "read", uri->asString(), nullptr);
  }
  if (method == "completion/complete") {
    // Completing a prompt's or a resource template's argument reveals what it would take.
    const json::Value* ref = p.find("ref");
    if (!ref || !ref->isObject()) return refused("params.ref is missing");
    if (hasCaseVariant(*ref, {"type", "name", "uri"})) return refused("a parameter name in the wrong case");
    const std::string type = ref->stringOr("type", "");
    if (type == "ref/prompt") return ask("prompt", "get", ref->stringOr("name", ""), nullptr);
    if (type == "ref/resource") return ask("resource", "read", ref->stringOr("uri", ""), nullptr);
    return refused("completion/complete for an unknown ref type");
  }
  return refused("method " + method + " is not one an authorization policy can decide on");
}

}  // namespace moat::core
