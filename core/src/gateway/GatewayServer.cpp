#include "gateway/GatewayServer.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <thread>

#include "config/ConfigError.h"
#include "upstream/ContainerHttpUpstream.h"
#include "server/GatewayConnection.h"
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

// Threads serving a connection mostly wait on sockets; a small stack keeps many open streams cheap.
constexpr int kWorkerStackBytes = 256 * 1024;

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
  if (server_) stop(0);
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
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(listen.threads);
  params->setMaxQueued(listen.maxQueued);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(10, 0));
  params->setMaxKeepAliveRequests(0);
  params->setServerName("moat");
  shutdown::wakeFd();  // created now, not first inside a stop
  pool_ = std::make_unique<Poco::ThreadPool>(2, listen.threads, 60, kWorkerStackBytes);
  connections_ = new GatewayConnectionFactory(params, router_);
  server_ = std::make_unique<Poco::Net::TCPServer>(connections_, *pool_, socket, params);
  server_->start();
  log::info("gateway", "listening", {{"address", socket.address().toString()}, {"tls", listen.tls.enabled() ? "on" : "off"},
                                     {"threads", std::to_string(listen.threads)}});
  for (const auto& route : static_cast<Router*>(router_.get())->routes())
    log::info("gateway", "serving", {{"server", route->config.name}, {"path", route->config.path},
                                     {"pipeline_stages", std::to_string(route->pipeline->stages().size())}});
}

void GatewayServer::stop(int graceMs) {
  if (!server_) return;
  shutdown::request();
  server_->stop();
  connections_->closeIdle();
  for (const auto& route : static_cast<Router*>(router_.get())->routes()) route->upstream->shutdown();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(graceMs);
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  connections_->closeAll();
  pool_->joinAll();
  server_.reset();
}

uint16_t GatewayServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace moat::gateway
