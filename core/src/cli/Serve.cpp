#include "cli/Serve.h"

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/Args.h"
#include "log/LineWriter.h"
#include "log/Log.h"
#include "secrets/SecretStore.h"

namespace moat::cli {

void printErrors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.format().c_str());
}

void configureLogging(const config::LogConfig& logConfig) {
  log::Format format = log::Format::Text;
  log::Level level = log::Level::Info;
  if (!log::parseFormat(logConfig.format, format)) throw UsageError("log format must be text or json");
  if (!log::parseLevel(logConfig.level, level)) throw UsageError("log level must be trace, debug, info, warn or error");
  log::configure(format, level);
}

std::unique_ptr<gateway::GatewayServer> buildGateway(const config::Config& config, core::PluginRegistry& registry) {
  std::vector<config::ConfigError> errors;
  for (const auto& file : config.plugins.files) {
    try {
      registry.loadFile(file);
    } catch (const core::PluginError& e) {
      errors.push_back({config::Location{config.file, 0, 0, "plugins.files"}, e.what()});
    }
  }
  try {
    auto server = std::make_unique<gateway::GatewayServer>(config, registry);
    if (errors.empty()) return server;
  } catch (const config::ConfigErrors& e) {
    errors.insert(errors.end(), e.errors().begin(), e.errors().end());
  }
  printErrors(errors);
  std::fprintf(stderr, "moat: %zu error(s) in %s\n", errors.size(), config.file.c_str());
  return nullptr;
}

sigset_t blockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

namespace {

// SIGHUP: the configuration is read and built again; new requests go to it, those in flight
// finish on the old one. Anything wrong leaves the running configuration serving.
void reloadOnSignal(gateway::GatewayServer& server, core::PluginRegistry& registry, config::LogConfig& running,
                    const ServeHooks& hooks) {
  config::LoadResult next = hooks.reread();
  std::vector<config::ConfigError> errors = next.errors;
  if (next.ok()) {
    for (const auto& file : next.config.plugins.files) {
      try {
        registry.loadFile(file);
      } catch (const core::PluginError& e) {
        errors.push_back({config::Location{next.config.file, 0, 0, "plugins.files"}, e.what()});
      }
    }
  }
  if (errors.empty()) {
    try {
      configureLogging(next.config.log);
      unsigned generation = server.reload(next.config, registry);
      running = next.config.log;
      log::info("gateway", "configuration reloaded", {{"file", next.config.file}, {"generation", std::to_string(generation)}});
      return;
    } catch (const config::ConfigErrors& e) {
      configureLogging(running);
      errors = e.errors();
    }
  }
  for (const auto& error : errors)
    log::error("gateway", "reload refused; the running configuration keeps serving", {{"error", error.format()}});
}

// `moat reload --pid-file` reads it; a stale one names a process that is gone.
void writePidFile(const std::string& file) {
  std::FILE* out = std::fopen(file.c_str(), "w");
  if (!out || std::fprintf(out, "%d\n", static_cast<int>(::getpid())) < 0 || std::fclose(out) != 0)
    log::warn("gateway", "the pid file could not be written", {{"file", file}});
}

}  // namespace

int serveUntilSignalled(const config::Config& config, sigset_t signals, const ServeHooks& hooks) {
  // The configuration has read its secrets; the servers this process starts inherit its
  // environment, so the store's passphrase and MOAT_SECRET_* leave it (a reload still reads them).
  secrets::scrubEnvironment();
  configureLogging(config.log);
  core::PluginRegistry registry(core::defaultSearchPath(config.plugins.searchPath));
  auto server = buildGateway(config, registry);
  if (!server) return 1;
  try {
    server->start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moat: %s\n", e.what());
    return 1;
  }
  std::fprintf(stdout, "moat: listening on %s://%s:%u\n", config.listen.tls.enabled() ? "https" : "http",
               config.listen.address.c_str(), static_cast<unsigned>(server->port()));
  for (const auto& s : config.servers)
    std::fprintf(stdout, "moat: %s -> %s://%s:%u%s\n", s.name.c_str(), config.listen.tls.enabled() ? "https" : "http",
                 config.listen.address.c_str(), static_cast<unsigned>(server->port()), s.path.c_str());
  if (config.diagnostics.enabled())
    std::fprintf(stdout, "moat: diagnostics on http://%s:%u (/metrics, /healthz, /readyz)\n", config.diagnostics.address.c_str(),
                 static_cast<unsigned>(server->diagnosticsPort()));
  std::fflush(stdout);
  if (hooks.listening) {
    try {
      hooks.listening(server->port(), registry);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "moat: %s\n", e.what());
      server->stop(0);
      if (hooks.stopped) hooks.stopped();
      return 1;
    }
  }
  if (!hooks.pidFile.empty()) writePidFile(hooks.pidFile);
  int received = 0;
  config::LogConfig logConfig = config.log;
  for (;;) {
    sigwait(&signals, &received);
    // Configured from flags there is nothing to reread: SIGHUP keeps its meaning of hanging up.
    if (received != SIGHUP || !hooks.reread) break;
    reloadOnSignal(*server, registry, logConfig, hooks);
  }
  log::info("gateway", "shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : received == SIGHUP ? "SIGHUP" : "SIGINT"}});
  // A handler stuck on an upstream read must not keep the process alive past the grace period.
  std::thread watchdog([grace = config.listen.shutdownGraceMs] {
    std::this_thread::sleep_for(std::chrono::milliseconds(grace + 2000));
    log::error("gateway", "shutdown did not finish in time; exiting");
    log::flushLines();
    std::_Exit(1);
  });
  watchdog.detach();
  server->stop(config.listen.shutdownGraceMs);
  if (!hooks.pidFile.empty()) std::remove(hooks.pidFile.c_str());
  log::info("gateway", "stopped");
  if (hooks.stopped) hooks.stopped();
  return 0;
}

}  // namespace moat::cli
