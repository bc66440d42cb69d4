#include "cli/Commands.h"

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/ClientCommand.h"
#include "cli/GatewayFlags.h"
#include "cli/ProxyFlags.h"
#include "cli/OperatorCommand.h"
#include "cli/RegistryCommand.h"
#include "cli/RemoteAuthFlags.h"
#include "cli/RunCommand.h"
#include "cli/SecretCommand.h"
#include "cli/TunnelCommand.h"
#include "cli/Serve.h"
#include "config/ConfigLoader.h"
#include "gateway/GatewayServer.h"
#include "log/Log.h"
#include "moat/abi.h"
#include "plugin/PluginRegistry.h"

namespace moat::cli {
namespace {

const FlagSpec kConfigFlag{"config", "FILE", "the pipeline YAML file (see config/README.md)"};
const FlagSpec kPluginPathFlag{"plugin-path", "DIR", "also search DIR for plugins (repeatable; $MOAT_PLUGIN_PATH works too)"};

// The file named by --config with the flags that override it applied; a reload reads it the
// same way, so the flags keep overriding.
config::LoadResult readConfig(const Args& args) {
  auto file = args.get("config");
  if (!file) throw UsageError("--config FILE is required");
  config::LoadResult result = config::loadFile(*file);
  if (!result.ok()) return result;
  config::Config& out = result.config;
  for (const auto& dir : args.all("plugin-path")) out.plugins.searchPath.push_back(dir);
  if (auto port = args.get("port")) out.listen.port = portValue(*port, "port");
  if (auto port = args.get("diagnostics-port")) out.diagnostics.port = portValue(*port, "diagnostics-port");
  if (auto format = args.get("log-format")) out.log.format = *format;
  if (auto level = args.get("log-level")) out.log.level = *level;
  return result;
}

// Loads the file named by --config, applying flag overrides. Prints errors and returns false
// when the file cannot be used.
bool loadConfig(const Args& args, config::Config& out) {
  config::LoadResult result = readConfig(args);
  if (!result.ok()) {
    printErrors(result.errors);
    std::fprintf(stderr, "moat: %zu error(s) in %s\n", result.errors.size(), args.get("config")->c_str());
    return false;
  }
  out = std::move(result.config);
  return true;
}

const FlagSpec kDiagnosticsPortFlag{"diagnostics-port", "N",
                                    "serve /metrics, /healthz and /readyz on 127.0.0.1:N (diagnostics.port; 0 picks a free port)"};
const FlagSpec kPidFileFlag{"pid-file", "FILE", "the gateway's process id, written by serve, read by reload"};

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {{"serve", "serve every MCP server a configuration file names",
        "moat serve --config FILE [flags]",
        {kConfigFlag, kPluginPathFlag,
         {"port", "N", "listen on port N instead of listen.port (0 picks a free port)"},
         kDiagnosticsPortFlag,
         {"log-format", "text|json", "log line format (default: log.format, else text)"},
         {"log-level", "LEVEL", "trace, debug, info, warn or error (default: log.level, else info)"},
         kPidFileFlag}},
       runServe},
      {{"reload", "make a running moat serve read its configuration file again (SIGHUP); in-flight requests finish on the old one",
        "moat reload --pid-file FILE | --pid N [--config FILE [--plugin-path DIR]]",
        {kPidFileFlag, {"pid", "N", "the gateway's process id"},
         {"config", "FILE", "check this file first, and signal nothing when it has errors"}, kPluginPathFlag}},
       runReload},
      {{"proxy", "proxy one MCP server URL, optionally behind OIDC, from flags alone (ToolHive's names)",
        "moat proxy [NAME] --target-uri URL [--port N] [--oidc-issuer URL ...] [--remote-auth [--remote-auth-*]] [--token-exchange-url URL ...]", proxyFlags()},
       runProxy},
      {{"logout", "forget the saved login of moat proxy NAME --remote-auth", "moat logout NAME", {}}, runLogout},
      {{"tunnel", "publish an MCP server (URL or workload) through a tunnel provider, behind an access policy",
        "moat tunnel TARGET NAME --tunnel-provider ngrok|ssh --provider-args JSON [--basic-auth-file F | --api-key-file F | --oidc-issuer URL ...] [--dry-run]",
        tunnelFlags()},
       runTunnel},
      {{"run", "serve a stdio MCP server (a command, or a container image) on a local URL (foreground, or --detach)",
        "moat run [--name NAME] [--proxy-port N] [-e KEY=VALUE] [--detach] [--oidc-issuer URL ...] -- COMMAND ARGS...\n"
        "       moat run [flags] REGISTRY-NAME [VALUES...]   (a server from moat registry list)\n"
        "       moat run --runtime docker|podman [-v HOST:CTR[:rw]] [flags] IMAGE|npx://PACKAGE [ARGS...]", runFlags()},
       runRun},
      {{"list", "list the workloads moat run started, with their state and URL", "moat list", {}}, runList},
      {{"stop", "stop a workload (SIGTERM, then SIGKILL after 10 s); it stays listed", "moat stop NAME", {}}, runStop},
      {{"restart", "stop a workload if it runs, and start it again in the background as it was run", "moat restart NAME", {}}, runRestart},
      {{"rm", "stop a workload and remove its state and log", "moat rm NAME", {}}, runRm},
      {{"logs", "print a detached workload's log", "moat logs NAME [--follow]",
        {{"follow", "", "keep printing until the workload exits", 'f'}}}, runLogs},
      {{"validate", "check a configuration file and print every error with file, line and key",
        "moat validate --config FILE [--plugin-path DIR]", {kConfigFlag, kPluginPathFlag}},
       runValidate},
      {{"plugins", "list the plugins found in the search path, with kind and ABI version",
        "moat plugins [--config FILE] [--plugin-path DIR]", {kConfigFlag, kPluginPathFlag}},
       runPlugins},
      {secretSpec(), runSecret},
      {clientSpec(), runClient},
      {registrySpec(), runRegistry},
      {operatorSpec(), runOperator},
      {{"version", "print the moat version and the plugin ABI version it speaks", "moat version", {}}, runVersion},
  };
  return all;
}

int runServe(const Args& args) {
  // Signals are taken by sigwait in serveUntilSignalled, so block them before any thread starts.
  sigset_t signals = blockShutdownSignals();
  config::Config config;
  if (!loadConfig(args, config)) return 1;
  ServeHooks hooks;
  hooks.reread = [args] { return readConfig(args); };
  if (auto pidFile = args.get("pid-file")) hooks.pidFile = *pidFile;
  return serveUntilSignalled(config, signals, hooks);
}

int runProxy(const Args& args) {
  sigset_t signals = blockShutdownSignals();
  return serveUntilSignalled(configFromProxyFlags(args), signals);
}

int runReload(const Args& args) {
  pid_t pid = 0;
  if (auto text = args.get("pid")) {
    pid = static_cast<pid_t>(std::atoi(text->c_str()));
  } else if (auto file = args.get("pid-file")) {
    std::FILE* in = std::fopen(file->c_str(), "r");
    int value = 0;
    if (!in) throw UsageError("cannot read the pid file " + *file + ": " + std::strerror(errno));
    if (std::fscanf(in, "%d", &value) != 1) value = 0;
    std::fclose(in);
    pid = static_cast<pid_t>(value);
  } else {
    throw UsageError("--pid-file FILE or --pid N is required");
  }
  if (pid <= 0) throw UsageError("no process id to signal");
  if (args.get("config")) {
    config::Config config;
    if (!loadConfig(args, config)) return 1;
    log::configure(log::Format::Text, log::Level::Warn);
    core::PluginRegistry registry(core::defaultSearchPath(config.plugins.searchPath));
    if (!buildGateway(config, registry)) return 1;
  }
  if (::kill(pid, SIGHUP) != 0) {
    std::fprintf(stderr, "moat: cannot signal process %d: %s\n", static_cast<int>(pid), std::strerror(errno));
    return 1;
  }
  std::printf("moat: asked process %d to reload; its log says \"configuration reloaded\" or why it refused\n", static_cast<int>(pid));
  return 0;
}

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
