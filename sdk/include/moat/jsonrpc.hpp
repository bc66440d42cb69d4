// JSON-RPC 2.0 for replies a gateway or a plugin makes itself: the id of the message answered,
// error bodies, and one server-defined error code per meaning, shared by the host and every
// plugin so that a client can tell the failures apart. Header-only, C++17.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "moat/json.hpp"

namespace moat::jsonrpc {

// JSON-RPC's own codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

// Server-defined codes (-32000 to -32099), each with one meaning and its usual HTTP status.
constexpr int kUnauthorized = -32001;         // 401: no or bad credentials (with WWW-Authenticate)
constexpr int kUpstreamTimeout = -32002;      // 504: the MCP server did not answer in time
constexpr int kForbidden = -32003;            // 403: not allowed (origin, scope, another's session)
constexpr int kStageFailed = -32004;          // 500: a pipeline stage failed or threw
constexpr int kTooLarge = -32005;             // 413: the request body is over the limit
constexpr int kNotFound = -32006;             // 404: no such server or session
constexpr int kShuttingDown = -32007;         // 503: the gateway is stopping
constexpr int kAuthUnavailable = -32008;      // 503: the authorization server cannot be reached
constexpr int kUpstreamUnreachable = -32009;  // 502: the MCP server refused, reset or answered garbage
constexpr int kLoginRequired = -32010;        // 503: a developer login is needed or under way
constexpr int kRequestTimeout = -32011;       // 408: the client did not send its request in time
constexpr int kLimited = -32012;              // 429/503 with Retry-After: a connection, session, stream or rate limit
constexpr int kSessionStoreUnavailable = -32013;  // 503: replicas' shared session store cannot be reached

// The "id" of a single parsed JSON-RPC message as JSON text, or "null".
inline std::string idJson(const json::Value& message) {
  const json::Value* id = message.find("id");
  if (!id) return "null";
  if (id->isString()) return json::quote(id->asString());
  if (id->type() == json::Value::Type::Number) {
    double n = id->asNumber();
    if (std::floor(n) == n && std::fabs(n) < 9e15) return std::to_string(static_cast<long long>(n));
  }
  return "null";
}

// The same for a raw body; "null" for a batch, a non-object or malformed JSON.
inline std::string idJson(std::string_view body) {
  if (body.empty() || body.front() != '{') return "null";
  try {
    return idJson(json::parse(body));
  } catch (const std::exception&) {
    return "null";
  }
}

inline std::string errorBody(const std::string& idJson, int code, std::string_view message) {
  return "{\"jsonrpc\":\"2.0\",\"id\":" + idJson + ",\"error\":{\"code\":" + std::to_string(code) +
         ",\"message\":" + json::quote(message) + "}}";
}

}  // namespace moat::jsonrpc
