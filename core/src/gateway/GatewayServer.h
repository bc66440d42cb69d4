// The listener: a connection reactor that holds every connection between requests, in front of
// a pool of workers that serve requests whose heads have arrived, for every route of one
// configuration.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <atomic>
#include <memory>

#include "config/Config.h"
#include "plugin/PluginRegistry.h"
#include "server/ClientLimits.h"
#include "server/ClientListener.h"

namespace moat::core {
class SessionStoreClient;
}

namespace moat::replicas {
class ReplicaKey;
}

namespace moat::gateway {

class DiagnosticsServer;
class Router;
class RouterSwitch;

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
  // The diagnostics listener's port; 0 when it is off.
  uint16_t diagnosticsPort() const;

  // Builds `next`'s routes and switches new requests to them; requests and streams in flight
  // finish on the old ones. A server whose upstream settings are unchanged keeps its upstream
  // (processes, sessions). Throws config::ConfigErrors, leaving the running configuration
  // serving, when `next` does not build or changes the listen or diagnostics section (those
  // need a restart).
  // Returns the new configuration's generation (the first is 1).
  unsigned reload(const config::Config& next, core::PluginRegistry& registry);

 private:
  void startReplicaListener(const ClientListener::Settings& settings);

  config::Config config_;
  ClientLimits limits_;  // the listener's: before the routers, which refer to it
  std::shared_ptr<core::SessionStoreClient> sessionStore_;  // before the routers, which share it
  std::shared_ptr<const replicas::ReplicaKey> replicaKey_;   // likewise
  Poco::SharedPtr<RouterSwitch> routers_;
  unsigned generation_ = 1;
  std::unique_ptr<ClientListener> listener_;
  std::unique_ptr<ClientListener> replicaListener_;  // sessions.replicas: requests forwarded here
  std::atomic<bool> listening_{false};
  std::unique_ptr<DiagnosticsServer> diagnostics_;
};

}  // namespace moat::gateway
