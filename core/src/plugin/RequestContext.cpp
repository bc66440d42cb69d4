#include "plugin/RequestContext.h"

#include "moat/json.hpp"

const std::string& moat_request::rpcMethod() {
  if (!rpcMethod_) {
    rpcMethod_.emplace();
    if (!body.empty() && body.front() == '{') {
      try {
        *rpcMethod_ = moat::json::parse(body).stringOr("method", "");
      } catch (const std::exception&) {
      }
    }
  }
  return *rpcMethod_;
}
