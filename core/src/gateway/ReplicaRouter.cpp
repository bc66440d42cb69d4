#include "gateway/ReplicaRouter.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/String.h>
#include <strings.h>

#include <string_view>

#include "gateway/ProxyHandler.h"
#include "gateway/RequestBody.h"
#include "log/Log.h"
#include "metrics/Counters.h"
#include "moat/json.hpp"
#include "moat/jsonrpc.hpp"
#include "replicas/ForwardedHeaders.h"

namespace moat::gateway {
namespace {

// Called for every header of every forwarded request: compared in place, not on a copy.
bool replicaHeader(const std::string& name) {
  constexpr std::string_view prefix = "X-Moat-Replica";
  return name.size() >= prefix.size() && ::strncasecmp(name.data(), prefix.data(), prefix.size()) == 0;
}

// A forwarded request for a route this replica does not serve (a reload is rolling through).
class NoRouteHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    const std::string body = jsonrpc::errorBody("null", jsonrpc::kNotFound, "this replica serves no such server");
    response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
    response.setContentType("application/json");
    if (request.getChunkedTransferEncoding() || request.getContentLength64() > 0) response.setKeepAlive(false);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }
};

class ForwardedHandler : public Poco::Net::HTTPRequestHandler {
 public:
  ForwardedHandler(Route& route, const replicas::ReplicaKey& key, replicas::SignatureLedger& ledger, size_t bodyLimit)
      : route_(route), key_(key), ledger_(ledger), bodyLimit_(bodyLimit) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    static const core::Pipeline kNoStages;
    core::RequestContext ctx;
    describeRequest(ctx, request, route_.config.name);
    log::RequestScope scope(ctx.requestId);
    Exchange exchange(ctx, request, response, kNoStages, route_.config, *route_.sessions);
    try {
      serve(exchange);
      exchange.endAnswer();
    } catch (const std::exception& e) {
      log::error("replicas", "unexpected failure serving a forwarded request", {{"reason", e.what()}});
      if (!response.sent()) exchange.sendError(500, jsonrpc::kInternalError, "internal gateway error");
    }
    log::debug("replicas", "served a forwarded " + ctx.httpMethod, {{"server", route_.config.name}, {"status", std::to_string(response.getStatus())}});
  }

 private:
  void serve(Exchange& exchange) {
    core::RequestContext& ctx = exchange.ctx;
    if (ctx.httpMethod != "POST" && ctx.httpMethod != "GET" && ctx.httpMethod != "DELETE") {
      exchange.sendError(405, jsonrpc::kInvalidRequest, "method " + ctx.httpMethod + " is not forwarded between replicas");
      return;
    }
    if (!readRequestBody(exchange, bodyLimit_)) return;
    std::string why;
    std::optional<std::string> subject;
    if (!admitted(exchange, subject, why)) {
      log::warn("replicas", "refused a forwarded request", {{"server", route_.config.name}, {"from", ctx.remoteAddress}, {"reason", why}});
      metrics::add("replica_forwards_refused");
      exchange.sendError(403, jsonrpc::kForbidden, "refused between replicas: " + why);
      return;
    }
    for (const auto& [name, value] : exchange.request)
      if (!isHopByHopHeader(name) && Poco::icompare(name, "Host") != 0 && !replicaHeader(name)) ctx.upstreamHeaders.add(name, value);
    ctx.identitySubject = std::move(subject);
    route_.upstream->forward(exchange);
  }

  bool admitted(Exchange& exchange, std::optional<std::string>& subject, std::string& why) {
    const auto& request = exchange.request;
    const std::string signature = request.get(replicas::kSignatureHeader, "");
    const std::string session = request.get("Mcp-Session-Id", "");
    if (signature.empty() || session.empty() || !request.has(replicas::kTimeHeader)) {
      why = "the request is not signed";
      return false;
    }
    replicas::ForwardedRequest signed_;
    signed_.method = exchange.ctx.httpMethod;
    signed_.route = route_.config.name;
    signed_.session = session;
    signed_.body = &exchange.ctx.body;
    try {
      signed_.unixSeconds = std::stoll(request.get(replicas::kTimeHeader));
      if (request.has(replicas::kSubjectHeader)) signed_.subject = json::parse(request.get(replicas::kSubjectHeader)).asString();
    } catch (const std::exception&) {
      why = "its signed headers are malformed";
      return false;
    }
    if (!key_.verify(signed_, signature)) {
      why = "the signature does not match this replica's key (sessions.replicas.secret_file)";
      return false;
    }
    if (!ledger_.admit(signed_.unixSeconds, signature, why)) return false;
    subject = std::move(signed_.subject);
    return true;
  }

  Route& route_;
  const replicas::ReplicaKey& key_;
  replicas::SignatureLedger& ledger_;
  size_t bodyLimit_;
};

}  // namespace

Poco::Net::HTTPRequestHandler* ReplicaRouter::createRequestHandler(const Poco::Net::HTTPServerRequest& request) {
  std::shared_ptr<Router> router = routers_->current();
  Route* route = router->routeNamed(request.get(replicas::kRouteHeader, ""));
  if (!route) return new NoRouteHandler;
  return holdingRouter(std::move(router), new ForwardedHandler(*route, *key_, ledger_, bodyLimit_));
}

}  // namespace moat::gateway
