// One configuration's routes: maps a request path to the server that owns it; also answers
// /healthz and /readyz. A reload builds a new Router; the old one lives on until the last
// request it handed out ends (RouterSwitch).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/Config.h"
#include "server/ClientLimits.h"
#include "server/IngressGuard.h"
#include "gateway/Route.h"

namespace moat::gateway {

class Router : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  // `limits` belong to the listener and outlive every Router; `generation` counts reloads.
  Router(const config::ListenerConfig& listener, std::vector<std::unique_ptr<Route>> routes, ClientLimits& limits, unsigned generation);
  ~Router() override;
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // The route of the server named `name`, or null.
  Route* routeNamed(const std::string& name) const;

 private:
  const Route* metadataRoute(const std::string& path) const;

  config::ListenerConfig listener_;
  IngressGuard guard_;
  ClientLimits& limits_;
  unsigned generation_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::map<std::string, Route*> byPath_;
  std::vector<const Route*> protected_;  // routes with an authenticator, for the root metadata URI
};

}  // namespace moat::gateway
