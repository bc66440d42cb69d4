// Serves one request on a route: ingress checks, body limit, header hygiene, the pipeline,
// then the upstream.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "config/Config.h"
#include "server/IngressGuard.h"
#include "gateway/Route.h"

namespace moat::gateway {

class ProxyHandler : public Poco::Net::HTTPRequestHandler {
 public:
  ProxyHandler(Route& route, const config::ListenerConfig& listener, const IngressGuard& guard);
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  void serve(Exchange& exchange);
  bool readBody(Exchange& exchange);
  void copyHeaders(Exchange& exchange) const;
  Route& route_;
  const config::ListenerConfig& listener_;
  const IngressGuard& guard_;
};

// The client's X-Request-Id when it is short and plain, else a new random one.
std::string requestIdFor(const Poco::Net::HTTPServerRequest& request);

}  // namespace moat::gateway
