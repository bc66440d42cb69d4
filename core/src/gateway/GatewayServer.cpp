#include "gateway/GatewayServer.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>

#include <set>


#include "config/ConfigError.h"
#include "gateway/DiagnosticsServer.h"
#include "gateway/ReplicaRouter.h"
#include "replicas/ReplicaKey.h"
#include "upstream/ContainerHttpUpstream.h"
#include "server/ClientListener.h"
#include "server/DescriptorLimit.h"
#include "server/ListeningSocket.h"
#include "upstream/LegacySseUpstream.h"
#include "gateway/Router.h"
#include "gateway/RouterSwitch.h"
#include "server/Shutdown.h"
#include "store/SessionStoreClient.h"
#include "upstream/SharedStdioUpstream.h"
#include "upstream/StdioUpstream.h"
#include "upstream/StreamableHttpUpstream.h"
#include "log/Log.h"
#include "trace/Exporter.h"

namespace moat::gateway {
namespace {

// Throws PluginError when a stdio server's runtime plugin cannot be used.
std::shared_ptr<Upstream> makeUpstream(const config::ServerConfig& server, core::PluginRegistry& registry) {
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

// Whether a server's upstream from the running configuration can serve the same server in the
// next one: what it was built from is unchanged.
bool sameUpstream(const config::ServerConfig& a, const config::ServerConfig& b) {
  return a.name == b.name && a.upstream == b.upstream && a.legacySsePath == b.legacySsePath;
}

// Every route of `config`, taking the upstream of a server in `previous` that is unchanged;
// throws config::ConfigErrors with every problem found.
// The session store replicas share (sessions.store), or null; throws config::ConfigErrors.
std::shared_ptr<core::SessionStoreClient> makeSessionStore(const config::Config& config, core::PluginRegistry& registry) {
  if (!config.sessions.store) return nullptr;
  const config::StageConfig& store = *config.sessions.store;
  try {
    return std::make_shared<core::SessionStoreClient>(registry.byName(store.plugin), store.configJson);
  } catch (const core::PluginError& e) {
    throw config::ConfigErrors({{store.where, e.what()}});
  }
}

// The key replicas sign forwarded requests with (sessions.replicas), or null; throws
// config::ConfigErrors.
std::shared_ptr<const replicas::ReplicaKey> makeReplicaKey(const config::Config& config) {
  if (!config.sessions.replicas) return nullptr;
  try {
    return std::make_shared<const replicas::ReplicaKey>(replicas::ReplicaKey::fromFile(config.sessions.replicas->secretFile));
  } catch (const std::runtime_error& e) {
    throw config::ConfigErrors({{{config.file, 0, 0, "sessions.replicas.secret_file"}, e.what()}});
  }
}

std::vector<std::unique_ptr<Route>> buildRoutes(const config::Config& config, core::PluginRegistry& registry, const Router* previous,
                                                const std::shared_ptr<core::SessionStoreClient>& sessionStore,
                                                const std::shared_ptr<const replicas::ReplicaKey>& replicaKey) {
  std::vector<std::unique_ptr<Route>> routes;
  std::vector<config::ConfigError> errors;
  for (const auto& server : config.servers) {
    auto route = std::make_unique<Route>();
    route->config = server;
    if (server.tools.active()) route->tools = std::make_unique<ToolView>(route->config.tools);
    try {
      route->pipeline = std::make_unique<core::Pipeline>(server, registry);
    } catch (const config::ConfigErrors& e) {
      errors.insert(errors.end(), e.errors().begin(), e.errors().end());
      continue;
    }
    if (previous)
      for (const auto& old : previous->routes())
        if (sameUpstream(old->config, server)) {
          route->upstream = old->upstream;
          route->sessions = old->sessions;
          route->forwarder = old->forwarder;
        }
    if (!route->upstream) {
      try {
        route->upstream = makeUpstream(server, registry);
      } catch (const core::PluginError& e) {
        config::Location where = server.where;
        where.key += ".upstream.runtime";
        errors.push_back({where, e.what()});
        continue;
      }
      route->sessions = std::make_shared<SessionBindings>(std::chrono::milliseconds(config.listen.sessionIdleTimeoutMs));
      // Sessions in this process's own processes and streams are reached here by the others.
      const bool forwarded = replicaKey && route->upstream->sessionsLiveHere();
      if (forwarded) route->forwarder = std::make_shared<replicas::OwnerForwarder>(server, *config.sessions.replicas, replicaKey);
      if (sessionStore)
        route->sessions->share(sessionStore, "moat:session:" + server.name + ":", forwarded ? config.sessions.replicas->advertise : std::string());
    }
    routes.push_back(std::move(route));
  }
  if (!errors.empty()) throw config::ConfigErrors(std::move(errors));
  return routes;
}

ClientLimits::Settings limitsFor(const config::ListenerConfig& listen) {
  return {listen.requestsPerSecondPerSubject, listen.burstPerSubject, static_cast<size_t>(listen.streamsPerSession)};
}

}  // namespace

GatewayServer::GatewayServer(const config::Config& config, core::PluginRegistry& registry)
    : config_(config),
      limits_(limitsFor(config_.listen)),
      sessionStore_(makeSessionStore(config_, registry)),
      replicaKey_(makeReplicaKey(config_)),
      routers_(new RouterSwitch(std::make_shared<Router>(config_.listen, buildRoutes(config_, registry, nullptr, sessionStore_, replicaKey_), limits_, 1))) {}

unsigned GatewayServer::reload(const config::Config& next, core::PluginRegistry& registry) {
  if (!(next.listen == config_.listen)) {
    config::Location where{next.file, 0, 0, "listen"};
    throw config::ConfigErrors({{where, "the listen section changed; it takes effect only on a restart, so the reload was refused"}});
  }
  if (!(next.tracing == config_.tracing)) {
    config::Location where{next.file, 0, 0, "tracing"};
    throw config::ConfigErrors({{where, "the tracing section changed; it takes effect only on a restart, so the reload was refused"}});
  }
  if (!(next.sessions == config_.sessions)) {
    config::Location where{next.file, 0, 0, "sessions"};
    throw config::ConfigErrors({{where, "the sessions section changed; it takes effect only on a restart, so the reload was refused"}});
  }
  if (!(next.diagnostics == config_.diagnostics)) {
    config::Location where{next.file, 0, 0, "diagnostics"};
    throw config::ConfigErrors({{where, "the diagnostics section changed; it takes effect only on a restart, so the reload was refused"}});
  }
  // The registry searched these directories when it started; a new one would be ignored.
  if (next.plugins.searchPath != config_.plugins.searchPath) {
    config::Location where{next.file, 0, 0, "plugins.search_path"};
    throw config::ConfigErrors({{where, "plugins.search_path changed; it takes effect only on a restart, so the reload was refused"}});
  }
  std::shared_ptr<Router> current = routers_->current();
  auto routes = buildRoutes(next, registry, current.get(), sessionStore_, replicaKey_);
  auto router = std::make_shared<Router>(config_.listen, std::move(routes), limits_, ++generation_);
  routers_->replace(router);
  // An upstream no route of the new configuration took keeps serving what is in flight on it;
  // it is destroyed with the last Router that holds it.
  config_.servers = next.servers;
  config_.plugins = next.plugins;
  config_.log = next.log;
  for (const auto& route : router->routes())
    log::info("gateway", "serving", {{"server", route->config.name}, {"path", route->config.path},
                                     {"pipeline_stages", std::to_string(route->pipeline->stages().size())},
                                     {"generation", std::to_string(generation_)}});
  return generation_;
}

GatewayServer::~GatewayServer() {
  if (listener_) stop(0);
  // start() may have begun exporting before a later step failed: the thread must not outlive us.
  trace::Exporter::stop();
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
      socket = server::listenExclusively(address, 1024, context);
    } else {
      socket = server::listenExclusively(address, 1024);
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
  if (!config_.tracing.endpoint.empty()) {
    const auto& t = config_.tracing;
    trace::Settings settings;
    settings.endpoint = t.endpoint;
    settings.protocol = t.protocol == "http/json" ? trace::Protocol::HttpJson : trace::Protocol::HttpProtobuf;
    settings.serviceName = t.serviceName;
    settings.serviceVersion = MOAT_VERSION;
    settings.sampleRatio = t.sampleRatio;
    settings.acceptTraceparent = t.acceptTraceparent;
    settings.queueSize = static_cast<size_t>(t.queueSize);
    settings.batchSize = static_cast<size_t>(t.batchSize);
    settings.exportIntervalMs = t.exportIntervalMs;
    settings.timeoutMs = t.timeoutMs;
    settings.headers = t.headers;
    trace::Exporter::start(settings);
    log::info("gateway", "exporting traces", {{"endpoint", t.endpoint}, {"protocol", t.protocol}, {"sample_ratio", std::to_string(t.sampleRatio)}});
  }
  if (config_.diagnostics.enabled()) {
    diagnostics_ = std::make_unique<DiagnosticsServer>(config_.diagnostics, routers_, listening_);
    diagnostics_->start();
  }
  if (config_.sessions.replicas) startReplicaListener(settings);
  listener_ = std::make_unique<ClientListener>(socket, routers_, settings);
  listener_->start();
  listening_ = true;
  log::info("gateway", "listening", {{"address", socket.address().toString()}, {"tls", listen.tls.enabled() ? "on" : "off"},
                                     {"threads", std::to_string(listen.threads)}, {"max_connections", std::to_string(listen.maxConnections)}});
  for (const auto& route : routers_->current()->routes())
    log::info("gateway", "serving", {{"server", route->config.name}, {"path", route->config.path},
                                     {"pipeline_stages", std::to_string(route->pipeline->stages().size())}});
}

// Plain HTTP: requests are signed, not encrypted, so the listener belongs on the pods' network.
void GatewayServer::startReplicaListener(const ClientListener::Settings& settings) {
  const config::ReplicasConfig& replicas = *config_.sessions.replicas;
  Poco::Net::ServerSocket socket;
  try {
    socket = server::listenExclusively(Poco::Net::SocketAddress(replicas.address, replicas.port), 256);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + replicas.address + ":" + std::to_string(replicas.port) + " (sessions.replicas): " + e.displayText());
  }
  socket.setNoDelay(true);
  replicaListener_ = std::make_unique<ClientListener>(socket, new ReplicaRouter(routers_, replicaKey_, config_.listen.bodyLimitBytes), settings);
  replicaListener_->start();
  log::info("gateway", "serving sessions to the other replicas", {{"address", socket.address().toString()}, {"advertised", replicas.advertise}});
}

void GatewayServer::stop(int graceMs) {
  if (!listener_) return;
  shutdown::request();
  listening_ = false;
  listener_->stopAccepting();
  if (replicaListener_) replicaListener_->stopAccepting();
  // An upstream carried over by a reload is in several Routers; it is shut down once.
  std::set<Upstream*> upstreams;
  for (const auto& router : routers_->alive())
    for (const auto& route : router->routes()) upstreams.insert(route->upstream.get());
  for (Upstream* upstream : upstreams) upstream->shutdown();
  listener_->finish(graceMs);
  listener_.reset();
  if (replicaListener_) {
    replicaListener_->finish(0);  // its requests were tied to upstreams that have shut down
    replicaListener_.reset();
  }
  trace::Exporter::stop();
  if (diagnostics_) diagnostics_->stop();
}

uint16_t GatewayServer::port() const { return listener_ ? listener_->port() : 0; }

uint16_t GatewayServer::diagnosticsPort() const { return diagnostics_ ? diagnostics_->port() : 0; }

}  // namespace moat::gateway
