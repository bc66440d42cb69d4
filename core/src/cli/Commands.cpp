#include "cli/Commands.h"

#include <csignal>
#include <cstdio>
#include <pthread.h>

#include <chrono>
#include <thread>

#include "cli/ProxyFlags.h"
#include "config/ConfigLoader.h"
#include "gateway/GatewayServer.h"
#include "log/Log.h"
#include "moat/abi.h"
#include "plugin/PluginRegistry.h"

namespace moat::cli {
namespace {

const FlagSpec kConfigFlag{"config", "FILE", "the pipeline YAML file (see config/README.md)"};
const FlagSpec kPluginPathFlag{"plugin-path", "DIR", "also search DIR for plugins (repeatable; $MOAT_PLUGIN_PATH works too)"};

void printErrors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.format().c_str());
}

// Loads the file named by --config, applying flag overrides. Prints errors and returns false
// when the file cannot be used.
bool loadConfig(const Args& args, config::Config& out) {
  auto file = args.get("config");
  if (!file) throw UsageError("--config FILE is required");
  config::LoadResult result = config::loadFile(*file);
  if (!result.ok()) {
    printErrors(result.errors);
    std::fprintf(stderr, "moat: %zu error(s) in %s\n", result.errors.size(), file->c_str());
    return false;
  }
  out = std::move(result.config);
  for (const auto& dir : args.all("plugin-path")) out.plugins.searchPath.push_back(dir);
  if (auto port = args.get("port")) {
    try {
      int value = std::stoi(*port);
      if (value < 0 || value > 65535) throw std::out_of_range("port");
      out.listen.port = static_cast<uint16_t>(value);
    } catch (const std::exception&) {
      throw UsageError("--port expects a number from 0 to 65535");
    }
  }
  if (auto format = args.get("log-format")) out.log.format = *format;
  if (auto level = args.get("log-level")) out.log.level = *level;
  return true;
}

void configureLogging(const config::LogConfig& logConfig) {
  log::Format format = log::Format::Text;
  log::Level level = log::Level::Info;
  if (!log::parseFormat(logConfig.format, format)) throw UsageError("log format must be text or json");
  if (!log::parseLevel(logConfig.level, level)) throw UsageError("log level must be trace, debug, info, warn or error");
  log::configure(format, level);
}

// Builds the gateway (every plugin loaded, every stage instantiated) or prints why not.
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

sigset_t blockShutdownSignals();
int serveUntilSignalled(const config::Config& config, sigset_t signals);

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {{"serve", "serve every MCP server a configuration file names",
        "moat serve --config FILE [flags]",
        {kConfigFlag, kPluginPathFlag,
         {"port", "N", "listen on port N instead of listen.port (0 picks a free port)"},
         {"log-format", "text|json", "log line format (default: log.format, else text)"},
         {"log-level", "LEVEL", "trace, debug, info, warn or error (default: log.level, else info)"}}},
       runServe},
      {{"proxy", "proxy one MCP server URL, optionally behind OIDC, from flags alone (ToolHive's names)",
        "moat proxy [NAME] --target-uri URL [--port N] [--oidc-issuer URL ...]", proxyFlags()},
       runProxy},
      {{"validate", "check a configuration file and print every error with file, line and key",
        "moat validate --config FILE [--plugin-path DIR]", {kConfigFlag, kPluginPathFlag}},
       runValidate},
      {{"plugins", "list the plugins found in the search path, with kind and ABI version",
        "moat plugins [--config FILE] [--plugin-path DIR]", {kConfigFlag, kPluginPathFlag}},
       runPlugins},
      {{"version", "print the moat version and the plugin ABI version it speaks", "moat version", {}}, runVersion},
  };
  return all;
}

int runServe(const Args& args) {
  // Signals are taken by sigwait in serveUntilSignalled, so block them before any thread starts.
  sigset_t signals = blockShutdownSignals();
  config::Config config;
  if (!loadConfig(args, config)) return 1;
  return serveUntilSignalled(config, signals);
}

int runProxy(const Args& args) {
  sigset_t signals = blockShutdownSignals();
  return serveUntilSignalled(configFromProxyFlags(args), signals);
}

namespace {

sigset_t blockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

int serveUntilSignalled(const config::Config& config, sigset_t signals) {
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
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  log::info("gateway", "shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // A handler stuck on an upstream read must not keep the process alive past the grace period.
  std::thread watchdog([grace = config.listen.shutdownGraceMs] {
    std::this_thread::sleep_for(std::chrono::milliseconds(grace + 2000));
    log::error("gateway", "shutdown did not finish in time; exiting");
    std::_Exit(1);
  });
  watchdog.detach();
  server->stop(config.listen.shutdownGraceMs);
  log::info("gateway", "stopped");
  return 0;
}

}  // namespace

int runValidate(const Args& args) {
  config::Config config;
  if (!loadConfig(args, config)) return 1;
  log::configure(log::Format::Text, log::Level::Warn);
  core::PluginRegistry registry(core::defaultSearchPath(config.plugins.searchPath));
  if (!buildGateway(config, registry)) return 1;
  std::fprintf(stdout, "%s: OK (%zu server(s))\n", config.file.c_str(), config.servers.size());
  return 0;
}

int runPlugins(const Args& args) {
  std::vector<std::string> configured;
  if (args.get("config")) {
    config::Config config;
    if (!loadConfig(args, config)) return 1;
    configured = config.plugins.searchPath;
  } else {
    configured = args.all("plugin-path");
  }
  log::configure(log::Format::Text, log::Level::Warn);
  core::PluginRegistry registry(core::defaultSearchPath(configured));
  auto entries = registry.scan();
  std::printf("%-24s %-14s %-5s %-10s %s\n", "NAME", "KIND", "ABI", "VERSION", "FILE");
  int failures = 0;
  for (const auto& entry : entries) {
    if (entry.plugin) {
      const auto& p = *entry.plugin;
      std::printf("%-24s %-14s %-5s %-10s %s\n", p.name.c_str(), core::kindName(p.descriptor->kind),
                  core::abiVersionText(p.descriptor->abi_version).c_str(), p.version.c_str(), p.file.c_str());
    } else {
      ++failures;
      std::printf("%-24s %-14s %-5s %-10s %s\n", "-", "error", "-", "-", entry.error.c_str());
    }
  }
  std::printf("\nsearch path:");
  for (const auto& dir : registry.searchPath()) std::printf(" %s", dir.c_str());
  std::printf("\n");
  return failures ? 1 : 0;
}

int runVersion(const Args&) {
  std::printf("moat %s (plugin ABI %d.%d)\n", MOAT_VERSION, MOAT_ABI_VERSION_MAJOR, MOAT_ABI_VERSION_MINOR);
  return 0;
}

}  // namespace moat::cli
