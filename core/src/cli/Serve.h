// Running a gateway from an in-memory configuration until SIGINT/SIGTERM, reloading it on
// SIGHUP: what `serve`, `proxy` and `run` share once they have a configuration.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "config/Config.h"
#include "config/ConfigError.h"
#include "config/ConfigLoader.h"
#include "gateway/GatewayServer.h"
#include "plugin/PluginRegistry.h"

namespace moat::cli {

struct ServeHooks {
  // After the listener is up; the registry holds the gateway's plugins (and can load more).
  std::function<void(uint16_t port, core::PluginRegistry& registry)> listening;
  std::function<void()> stopped;                 // after a graceful stop
  // Reads the configuration again on SIGHUP; empty when it came from flags (nothing to reread).
  std::function<config::LoadResult()> reread;
  // Written with the process id once listening, removed on a graceful stop; empty: none.
  std::string pidFile;
};

void printErrors(const std::vector<config::ConfigError>& errors);
// Throws UsageError for an unknown log format or level.
void configureLogging(const config::LogConfig& logConfig);
// Builds the gateway (every plugin loaded, every stage instantiated) or prints why not.
std::unique_ptr<gateway::GatewayServer> buildGateway(const config::Config& config, core::PluginRegistry& registry);

// Blocks SIGINT, SIGTERM and SIGHUP (they are taken by sigwait) and ignores SIGPIPE; call
// before any thread starts.
sigset_t blockShutdownSignals();
int serveUntilSignalled(const config::Config& config, sigset_t signals, const ServeHooks& hooks = {});

}  // namespace moat::cli
