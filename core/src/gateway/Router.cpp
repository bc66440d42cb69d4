#include "gateway/Router.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "moat/jsonrpc.hpp"
#include "gateway/Health.h"
#include "gateway/ProtectedResource.h"
#include "gateway/ProxyHandler.h"
#include "metrics/Counters.h"
#include "log/Log.h"

namespace moat::gateway {
namespace {

class FixedHandler : public Poco::Net::HTTPRequestHandler {
 public:
  FixedHandler(int status, std::string contentType, std::string body)
      : status_(status), contentType_(std::move(contentType)), body_(std::move(body)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status_));
    response.setContentType(contentType_);
    response.set("X-Request-Id", requestIdFor(request));
    // The body is never read here, so the connection cannot carry another request.
    if (request.getChunkedTransferEncoding() || request.getContentLength64() > 0) response.setKeepAlive(false);
    response.setContentLength(static_cast<std::streamsize>(body_.size()));
    response.send() << body_;
  }

 private:
  int status_;
  std::string contentType_;
  std::string body_;
};

std::string pathOnly(const std::string& uri) { return uri.substr(0, uri.find('?')); }

}  // namespace

Router::Router(const config::ListenerConfig& listener, std::vector<std::unique_ptr<Route>> routes, ClientLimits& limits, unsigned generation)
    : listener_(listener), guard_(listener_), limits_(limits), generation_(generation), routes_(std::move(routes)) {
  for (const auto& route : routes_) {
    byPath_[route->config.path] = route.get();
    if (!route->config.legacySsePath.empty()) {
      byPath_[route->config.legacySsePath] = route.get();
      byPath_[route->config.legacySsePath + "/messages"] = route.get();
    }
    for (const auto& stage : route->pipeline->stages())
      if (stage->plugin().descriptor->kind == MOAT_KIND_AUTHENTICATOR) {
        protected_.push_back(route.get());
        break;
      }
  }
}

// Its pipelines' plugin instances are destroyed with it, after the last request that used them.
Router::~Router() {
  log::info("gateway", "configuration retired", {{"generation", std::to_string(generation_)}});
}

Route* Router::routeNamed(const std::string& name) const {
  for (const auto& route : routes_)
    if (route->config.name == name) return route.get();
  return nullptr;
}

const Route* Router::metadataRoute(const std::string& path) const {
  std::string resourcePath = path.substr(kMetadataWellKnown.size());
  if (resourcePath.empty() || resourcePath == "/") {
    // The root URI stands for the server at "/", or for the only protected one.
    auto root = byPath_.find("/");
    if (root != byPath_.end()) return root->second;
    return protected_.size() == 1 ? protected_.front() : nullptr;
  }
  auto it = byPath_.find(resourcePath);
  return it == byPath_.end() ? nullptr : it->second;
}

Poco::Net::HTTPRequestHandler* Router::createRequestHandler(const Poco::Net::HTTPServerRequest& request) {
  std::string path = pathOnly(request.getURI());
  auto it = byPath_.find(path);
  if (it != byPath_.end()) return new ProxyHandler(*it->second, listener_, guard_, limits_);
  if (path.compare(0, kMetadataWellKnown.size(), kMetadataWellKnown) == 0)
    if (const Route* route = metadataRoute(path)) return newMetadataHandler(*route, listener_);
  // Metrics are served on the diagnostics listener only (DiagnosticsServer), never here.
  if (path == "/healthz" || path == "/readyz") {
    HealthReport report = path == "/healthz" ? liveness(*this) : readiness(*this, true);
    return new FixedHandler(report.status, "application/json", report.body);
  }
  metrics::add("requests_unrouted");
  return new FixedHandler(404, "application/json", jsonrpc::errorBody("null", jsonrpc::kNotFound, "no MCP server is served at " + path));
}

}  // namespace moat::gateway
