// JSON-RPC error bodies for replies the gateway makes itself (401/403/413/502/504...), carrying
// the id of the request they answer so MCP clients can match them.
#pragma once

#include <string>
#include <string_view>

#include "moat/json.hpp"

namespace moat::gateway {

// Server-defined JSON-RPC error codes used by the gateway.
namespace rpc {
constexpr int kInvalidRequest = -32600;
constexpr int kInternalError = -32603;
constexpr int kUpstreamUnreachable = -32001;
constexpr int kUpstreamTimeout = -32002;
constexpr int kForbidden = -32003;
constexpr int kStageFailed = -32004;
constexpr int kTooLarge = -32005;
constexpr int kNotFound = -32006;
constexpr int kShuttingDown = -32007;
}  // namespace rpc

// The "id" of a single JSON-RPC message as JSON text, or "null".
std::string rpcIdJson(std::string_view body);
std::string rpcIdJson(const json::Value& message);  // for a message already parsed
std::string rpcErrorBody(const std::string& idJson, int code, std::string_view message);

}  // namespace moat::gateway
