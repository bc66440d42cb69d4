#include "server/Refusal.h"

#include "moat/jsonrpc.hpp"

namespace moat::gateway {

std::string refusalText(int status, const char* reason, int rpcCode, const std::string& message, bool retryAfter) {
  std::string body = jsonrpc::errorBody("null", rpcCode, message);
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n";
  if (retryAfter) text += "Retry-After: 1\r\n";
  return text + "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace moat::gateway
