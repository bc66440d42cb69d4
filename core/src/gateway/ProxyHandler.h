// Serves one request on a route: ingress checks, body limit, header hygiene, the pipeline,
// then the upstream.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "config/Config.h"
#include "server/ClientLimits.h"
#include "server/IngressGuard.h"
#include "gateway/AnswerWatch.h"
#include "gateway/Route.h"

namespace moat::gateway {

class ProxyHandler : public Poco::Net::HTTPRequestHandler {
 public:
  ProxyHandler(Route& route, const config::ListenerConfig& listener, const IngressGuard& guard, ClientLimits& limits);
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  void serve(Exchange& exchange);
  void complete(Exchange& exchange, int64_t micros, const AnswerWatch& answer);
  void copyHeaders(Exchange& exchange) const;
  // Refuses (429 with Retry-After) a request over its subject's rate, a GET stream over its
  // session's count, or an initialize over its subject's sessions; else true, with `stream`
  // holding the GET stream's place for the request's life.
  bool applyToolView(Exchange& exchange);
  void rewriteListAnswers(Exchange& exchange);
  bool withinLimits(Exchange& exchange, std::optional<ClientLimits::StreamSlot>& stream);
  Route& route_;
  const config::ListenerConfig& listener_;
  const IngressGuard& guard_;
  ClientLimits& limits_;
};

// The client's X-Request-Id when it is short and plain, else a new random one.
std::string requestIdFor(const Poco::Net::HTTPServerRequest& request);
// What every request's context starts with: its id, method, path, client address and route.
void describeRequest(core::RequestContext& ctx, const Poco::Net::HTTPServerRequest& request, const std::string& serverName);

}  // namespace moat::gateway
