#include "gateway/DiagnosticsServer.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include "gateway/Health.h"
#include "log/LineWriter.h"
#include "log/Log.h"
#include "metrics/Catalogue.h"
#include "metrics/Counters.h"
#include "metrics/HeapGauges.h"
#include "moat/json.hpp"
#include "server/ListeningSocket.h"

namespace moat::gateway {
namespace {

std::string sessionsGauge(const Router& router) {
  std::string out = "# HELP " + std::string(metrics::kSessionsActive) +
                    " MCP sessions the gateway saw opened and not yet ended or idle past listen.session_idle_timeout.\n"
                    "# TYPE " + std::string(metrics::kSessionsActive) + " gauge\n";
  for (const auto& route : router.routes())
    out += std::string(metrics::kSessionsActive) + "{route=" + json::quote(route->config.name) + "} " +
           std::to_string(route->sessions->active()) + "\n";
  return out;
}

class DiagnosticsHandler : public Poco::Net::HTTPRequestHandler {
 public:
  DiagnosticsHandler(Poco::SharedPtr<RouterSwitch> routers, const std::atomic<bool>& listening) : routers_(routers), listening_(listening) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    std::shared_ptr<Router> router = routers_->current();
    int status = 200;
    std::string type = "application/json", body;
    if (request.getMethod() != "GET" && request.getMethod() != "HEAD") {
      status = 405;
      body = "{\"error\":\"only GET is served here\"}";
      response.set("Allow", "GET, HEAD");
    } else if (path == "/metrics") {
      type = "text/plain; version=0.0.4; charset=utf-8";
      body = metricsText(*router);
    } else if (path == "/healthz" || path == "/readyz") {
      HealthReport report = path == "/healthz" ? liveness(*router) : readiness(*router, listening_.load());
      status = report.status;
      body = std::move(report.body);
    } else {
      status = 404;
      body = "{\"error\":\"the diagnostics listener serves /metrics, /healthz and /readyz\"}";
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType(type);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    if (request.getMethod() == "HEAD") response.send();
    else response.send() << body;
  }

 private:
  Poco::SharedPtr<RouterSwitch> routers_;
  const std::atomic<bool>& listening_;
};

class DiagnosticsHandlers : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  DiagnosticsHandlers(Poco::SharedPtr<RouterSwitch> routers, const std::atomic<bool>& listening) : routers_(routers), listening_(listening) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new DiagnosticsHandler(routers_, listening_);
  }

 private:
  Poco::SharedPtr<RouterSwitch> routers_;
  const std::atomic<bool>& listening_;
};

Poco::ThreadPool& diagnosticsThreads() {
  static Poco::ThreadPool pool("diagnostics", 1, 2);
  return pool;
}

}  // namespace

std::string metricsText(const Router& router) {
  // The log cannot count in metrics/ (they are peers), so its one counter is added here.
  return metrics::prometheusText() + "# HELP moat_log_lines_dropped_total Log lines lost because the log destination did not take them.\n"
         "# TYPE moat_log_lines_dropped_total counter\nmoat_log_lines_dropped_total " + std::to_string(log::droppedLines()) + "\n" +
         metrics::heapGaugesText() + sessionsGauge(router);
}

DiagnosticsServer::DiagnosticsServer(const config::DiagnosticsConfig& config, Poco::SharedPtr<RouterSwitch> routers,
                                     const std::atomic<bool>& listening)
    : config_(config), routers_(routers), listening_(listening) {
  metrics::describeCatalogue();
}

DiagnosticsServer::~DiagnosticsServer() { stop(); }

void DiagnosticsServer::start() {
  Poco::Net::ServerSocket socket;
  try {
    socket = server::listenExclusively(Poco::Net::SocketAddress(config_.address, config_.port), 64);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen for diagnostics on " + config_.address + ":" + std::to_string(config_.port) + ": " +
                             e.displayText());
  }
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(2);
  params->setMaxQueued(64);
  params->setTimeout(Poco::Timespan(5, 0));
  params->setKeepAlive(false);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new DiagnosticsHandlers(routers_, listening_), diagnosticsThreads(), socket, params);
  server_->start();
  log::info("gateway", "diagnostics listening", {{"address", socket.address().toString()}});
}

void DiagnosticsServer::stop() {
  if (!server_) return;
  server_->stopAll(true);
  server_.reset();
}

uint16_t DiagnosticsServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace moat::gateway
