#include "plugin/RequestContext.h"

#include "moat/json.hpp"

void moat_request::parseRpc() {
  rpcMethod_.emplace();
  // JSON allows whitespace before the message; a server reads past it, so this does too (a
  // method missed here would slip past a route's tool view and list filtering).
  const size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || body[start] != '{') return;
  try {
    moat::json::Value message = moat::json::parse(body);
    *rpcMethod_ = message.stringOr("method", "");
    const moat::json::Value* params = message.find("params");
    if (!params || !params->isObject()) return;
    if (*rpcMethod_ == "tools/call" || *rpcMethod_ == "prompts/get") rpcTarget_ = params->stringOr("name", "");
    else if (rpcMethod_->rfind("resources/", 0) == 0) rpcTarget_ = params->stringOr("uri", "");
  } catch (const std::exception&) {
  }
}

const std::string& moat_request::rpcMethod() {
  if (!rpcMethod_) parseRpc();
  return *rpcMethod_;
}

const std::string& moat_request::rpcTarget() {
  if (!rpcMethod_) parseRpc();
  return rpcTarget_;
}
