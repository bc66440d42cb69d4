#include "server/JsonRpcError.h"

#include <cmath>

#include "moat/json.hpp"

namespace moat::gateway {

std::string rpcIdJson(const json::Value& message) {
  const json::Value* id = message.find("id");
  if (!id) return "null";
  if (id->isString()) return json::quote(id->asString());
  if (id->type() == json::Value::Type::Number) {
    double n = id->asNumber();
    if (std::floor(n) == n && std::fabs(n) < 9e15) return std::to_string(static_cast<long long>(n));
  }
  return "null";
}

std::string rpcIdJson(std::string_view body) {
  if (body.empty() || body.front() != '{') return "null";
  try {
    return rpcIdJson(json::parse(body));
  } catch (const std::exception&) {
    return "null";
  }
}

std::string rpcErrorBody(const std::string& idJson, int code, std::string_view message) {
  return "{\"jsonrpc\":\"2.0\",\"id\":" + idJson + ",\"error\":{\"code\":" + std::to_string(code) +
         ",\"message\":" + json::quote(message) + "}}";
}

}  // namespace moat::gateway
