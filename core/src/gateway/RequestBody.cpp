#include "gateway/RequestBody.h"

#include <algorithm>

#include "moat/jsonrpc.hpp"

namespace moat::gateway {
namespace {

// Reads and discards what is left of an oversized body (up to a bound) so the client, still
// sending, receives the 413 instead of a connection reset.
void drainBody(std::istream& in, size_t limit) {
  char scratch[16384];
  size_t budget = limit * 8;
  while (in && budget > 0) {
    in.read(scratch, sizeof scratch);
    budget -= std::min(budget, static_cast<size_t>(in.gcount()));
  }
}

}  // namespace

bool readRequestBody(Exchange& exchange, size_t limit) {
  auto& request = exchange.request;
  if (request.hasContentLength() && request.getContentLength64() > static_cast<long long>(limit)) {
    exchange.sendError(413, jsonrpc::kTooLarge, "request body exceeds the limit of " + std::to_string(limit) + " bytes");
    return false;
  }
  if (exchange.ctx.httpMethod != "POST") return true;
  std::istream& in = request.stream();
  std::string& body = exchange.ctx.body;
  // Read straight into the body: a large stack buffer would stay resident in the worker thread
  // for as long as it then holds a stream.
  constexpr size_t kStep = 4096;
  if (request.hasContentLength()) body.reserve(static_cast<size_t>(request.getContentLength64()));
  while (in) {
    size_t used = body.size();
    body.resize(used + kStep);
    in.read(body.data() + used, kStep);
    body.resize(used + static_cast<size_t>(in.gcount()));
    if (body.size() > limit) {
      exchange.ctx.body.clear();
      drainBody(in, limit);
      exchange.sendError(413, jsonrpc::kTooLarge, "request body exceeds the limit of " + std::to_string(limit) + " bytes");
      return false;
    }
  }
  if (!request.bodyComplete()) {
    // Cut short, malformed, or not all here by the deadline: the connection closes after the answer.
    if (request.bodyTimedOut())
      exchange.sendError(408, jsonrpc::kRequestTimeout, "the request body did not arrive within listen.request_body_timeout");
    else
      exchange.sendError(400, jsonrpc::kInvalidRequest, "the request body was cut short or its chunked framing is malformed");
    return false;
  }
  exchange.bodyConsumed = true;
  return true;
}

}  // namespace moat::gateway
