// The listener: a connection reactor that holds every connection between requests, in front of
// a pool of workers that serve requests whose heads have arrived, for every route of one
// configuration.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <memory>

#include "config/Config.h"
#include "plugin/PluginRegistry.h"

namespace moat::gateway {

class ClientListener;
class Router;

class GatewayServer {
 public:
  // Builds every route and pipeline; throws config::ConfigErrors before anything listens, so
  // the gateway never starts half-configured.
  GatewayServer(const config::Config& config, core::PluginRegistry& registry);
  ~GatewayServer();

  // Binds and starts serving; throws std::runtime_error with a clear reason on failure.
  void start();
  // Stops accepting, ends open streams, and waits up to graceMs for handlers to finish.
  void stop(int graceMs);
  uint16_t port() const;

 private:
  config::Config config_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr router_;
  std::unique_ptr<ClientListener> listener_;
};

}  // namespace moat::gateway
