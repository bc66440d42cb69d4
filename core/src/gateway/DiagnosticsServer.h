// The diagnostics listener: /metrics (Prometheus text), /healthz and /readyz on their own
// address and port, apart from the public one, so what the gateway counts (routes, tools,
// failure reasons) is never offered to its clients. A small POCO server with its own two
// threads: a scraper never waits behind client traffic, and client traffic never behind it.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/SharedPtr.h>

#include <atomic>
#include <memory>

#include "config/Config.h"
#include "gateway/RouterSwitch.h"

namespace moat::gateway {

class DiagnosticsServer {
 public:
  // `listening` tells /readyz whether the public listener is up.
  DiagnosticsServer(const config::DiagnosticsConfig& config, Poco::SharedPtr<RouterSwitch> routers, const std::atomic<bool>& listening);
  ~DiagnosticsServer();

  // Throws std::runtime_error naming the address when it cannot bind.
  void start();
  void stop();
  uint16_t port() const;

 private:
  config::DiagnosticsConfig config_;
  Poco::SharedPtr<RouterSwitch> routers_;
  const std::atomic<bool>& listening_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// The whole /metrics text: the registry's families, the log's dropped lines, the allocator's
// gauges and the sessions each route holds now.
std::string metricsText(const Router& router);

}  // namespace moat::gateway
