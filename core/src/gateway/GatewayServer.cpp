#include "gateway/GatewayServer.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>


#include "config/ConfigError.h"
#include "upstream/ContainerHttpUpstream.h"
#include "server/ClientListener.h"
#include "server/DescriptorLimit.h"
#include "upstream/LegacySseUpstream.h"
#include "gateway/Router.h"
#include "server/Shutdown.h"
#include "upstream/SharedStdioUpstream.h"
#include "upstream/StdioUpstream.h"
#include "upstream/StreamableHttpUpstream.h"
#include "log/Log.h"

namespace moat::gateway {
namespace {

// Throws PluginError when a stdio server's runtime plugin cannot be used.
std::unique_ptr<Upstream> makeUpstream(const config::ServerConfig& server, core::PluginRegistry& registry) {
  if (server.upstream.transport != config::UpstreamTransport::Stdio && !server.upstream.image.empty())
    return std::make_unique<ContainerHttpUpstream>(server, std::make_unique<core::RuntimeClient>(registry.byName(server.upstream.runtime), server.upstream.runtimeConfigJson));
  switch (server.upstream.transport) {
    case config::UpstreamTransport::Sse: return std::make_unique<LegacySseUpstream>(server.upstream);
    case config::UpstreamTransport::Stdio:
      if (server.upstream.shared)
        return std::make_unique<SharedStdioUpstream>(server, std::make_unique<core::RuntimeClient>(registry.byName(server.upstream.runtime), server.upstream.runtimeConfigJson));
      return std::make_unique<StdioUpstream>(server, std::make_unique<core::RuntimeClient>(registry.byName(server.upstream.runtime), server.upstream.runtimeConfigJson));
    case config::UpstreamTransport::StreamableHttp: break;
  }
  return std::make_unique<StreamableHttpUpstream>(server.upstream);
}

}  // namespace

GatewayServer::GatewayServer(const config::Config& config, core::PluginRegistry& registry) : config_(config) {
  std::vector<std::unique_ptr<Route>> routes;
  std::vector<config::ConfigError> errors;
  for (const auto& server : config_.servers) {
    auto route = std::make_unique<Route>();
    route->config = server;
    try {
      route->pipeline = std::make_unique<core::Pipeline>(server, registry);
    } catch (const config::ConfigErrors& e) {
      errors.insert(errors.end(), e.errors().begin(), e.errors().end());
      continue;
    }
    try {
      route->upstream = makeUpstream(server, registry);
    } catch (const core::PluginError& e) {
      config::Location where = server.where;
      where.key += ".upstream.runtime";
      errors.push_back({where, e.what()});
      continue;
    }
    routes.push_back(std::move(route));
  }
  if (!errors.empty()) throw config::ConfigErrors(std::move(errors));
  router_ = new Router(config_.listen, std::move(routes));
}

GatewayServer::~GatewayServer() {
  if (listener_) stop(0);
}

void GatewayServer::start() {
  const auto& listen = config_.listen;
  Poco::Net::SocketAddress address;
  try {
    address = Poco::Net::SocketAddress(listen.address, listen.port);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + listen.address + ":" + std::to_string(listen.port) + ": " + e.displayText());
  }
  Poco::Net::ServerSocket socket;
  try {
    if (listen.tls.enabled()) {
      Poco::Net::Context::Ptr context(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, listen.tls.keyFile,
                                                             listen.tls.certFile, "", Poco::Net::Context::VERIFY_NONE));
      socket = Poco::Net::SecureServerSocket(address, 1024, context);
    } else {
      socket = Poco::Net::ServerSocket(address, 1024);
    }
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address.toString() + ": " + e.displayText());
  }
  // Accepted sockets inherit TCP_NODELAY on Linux: streamed responses leave event by event.
  socket.setNoDelay(true);
  shutdown::wakeFd();  // created now, not first inside a stop
  // A connection holds one descriptor, one being served a second (its upstream); 256 for the rest.
  const size_t descriptors = raiseDescriptorLimit();
  const size_t needed = static_cast<size_t>(listen.maxConnections) + static_cast<size_t>(listen.threads) + 256;
  if (descriptors < needed)
    log::warn("gateway", "the open-file limit is below what listen.max_connections needs; connections past it fail to be accepted",
              {{"limit", std::to_string(descriptors)}, {"needed", std::to_string(needed)}, {"max_connections", std::to_string(listen.maxConnections)}});
  ClientListener::Settings settings;
  settings.threads = static_cast<size_t>(listen.threads);
  settings.maxQueued = static_cast<size_t>(listen.maxQueued);
  settings.headTimeoutMs = listen.requestHeadTimeoutMs;
  settings.bodyTimeoutMs = listen.requestBodyTimeoutMs;
  settings.keepAliveTimeoutMs = listen.keepAliveTimeoutMs;
  settings.maxConnections = static_cast<size_t>(listen.maxConnections);
  settings.maxConnectionsPerClient = static_cast<size_t>(listen.maxConnectionsPerClient);
  listener_ = std::make_unique<ClientListener>(socket, router_, settings);
  listener_->start();
  log::info("gateway", "listening", {{"address", socket.address().toString()}, {"tls", listen.tls.enabled() ? "on" : "off"},
                                     {"threads", std::to_string(listen.threads)}, {"max_connections", std::to_string(listen.maxConnections)}});
  for (const auto& route : static_cast<Router*>(router_.get())->routes())
    log::info("gateway", "serving", {{"server", route->config.name}, {"path", route->config.path},
                                     {"pipeline_stages", std::to_string(route->pipeline->stages().size())}});
}

void GatewayServer::stop(int graceMs) {
  if (!listener_) return;
  shutdown::request();
  listener_->stopAccepting();
  for (const auto& route : static_cast<Router*>(router_.get())->routes()) route->upstream->shutdown();
  listener_->finish(graceMs);
  listener_.reset();
}

uint16_t GatewayServer::port() const { return listener_ ? listener_->port() : 0; }

}  // namespace moat::gateway
