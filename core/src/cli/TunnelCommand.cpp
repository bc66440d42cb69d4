#include "cli/TunnelCommand.h"

#include <cstdio>

#include "cli/ClientSnippets.h"
#include "cli/GatewayFlags.h"
#include "cli/Serve.h"
#include "cli/WorkloadState.h"
#include "log/Log.h"
#include "moat/json.hpp"
#include "tunnel/TunnelClient.h"

namespace moat::cli {
namespace {

struct TunnelPlan {
  config::Config config;
  std::string provider;
  std::string providerArgs;  // JSON object
  std::string name;
  std::string target;
  std::string authorization;  // what clients send, with a placeholder for the secret
};

bool isUrl(const std::string& text) { return text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0; }

// The URL to publish: TARGET itself, or the URL of the workload of that name.
std::string targetUrl(const std::string& target) {
  if (isUrl(target)) return target;
  auto workload = loadWorkload(target);
  if (!workload) throw UsageError("TARGET '" + target + "' is neither an http(s):// URL nor a workload (see moat list)");
  if (!workloadAlive(*workload)) throw UsageError("workload '" + target + "' is not running (moat list)");
  return workload->url;
}

config::StageConfig stage(const std::string& plugin, const json::Value& settings, const char* flag) {
  config::StageConfig out;
  out.plugin = plugin;
  out.configJson = json::write(settings);
  out.where = config::Location{"(command line)", 0, 0, flag};
  return out;
}

// Provider arguments with every value that looks like a credential masked, for --dry-run.
std::string redacted(const json::Value& args) {
  json::Value copy = args;
  for (auto& [key, value] : copy.mutableMembers())
    if (key.find("token") != std::string::npos || key.find("secret") != std::string::npos || key.find("password") != std::string::npos)
      value = json::Value::makeString("***");
  return json::write(copy);
}

TunnelPlan planFromFlags(const Args& args) {
  if (args.positional.size() != 2) throw UsageError("moat tunnel needs TARGET (a URL or a workload name) and NAME");
  TunnelPlan plan;
  plan.target = args.positional[0];
  plan.name = args.positional[1];
  plan.provider = args.get("tunnel-provider").value_or("");
  if (plan.provider.empty()) throw UsageError("--tunnel-provider is required (ngrok, ssh, or any tunnel plugin's name)");
  // Tunnel plugins are named tunnel-<provider> (libmoat-tunnel-ssh.so); either form is accepted.
  if (plan.provider.rfind("tunnel-", 0) != 0) plan.provider = "tunnel-" + plan.provider;
  json::Value providerArgs;
  try {
    providerArgs = json::parse(args.get("provider-args").value_or("{}"));
  } catch (const std::exception& e) {
    throw UsageError(std::string("--provider-args is not valid JSON: ") + e.what());
  }
  if (!providerArgs.isObject()) throw UsageError("--provider-args must be a JSON object");
  plan.providerArgs = json::write(providerArgs);

  config::ServerConfig server;
  server.name = plan.name;
  server.path = "/mcp";
  server.upstream.url = targetUrl(plan.target);
  if (auto port = args.get("port")) plan.config.listen.port = portValue(*port, "port");
  else plan.config.listen.port = 0;
  applyGatewayFlags(args, plan.config, server);
  if (auto users = args.get("basic-auth-file")) {
    json::Value settings = json::Value::makeObject();
    settings.mutableMembers()["users_file"] = json::Value::makeString(*users);
    server.pipeline.insert(server.pipeline.begin(), stage("auth-basic", settings, "--basic-auth-file"));
    plan.authorization = "Basic <base64 of USER:PASSWORD>";
  }
  if (auto keys = args.get("api-key-file")) {
    json::Value settings = json::Value::makeObject();
    settings.mutableMembers()["keys_file"] = json::Value::makeString(*keys);
    settings.mutableMembers()["header"] = json::Value::makeString("Authorization");
    server.pipeline.insert(server.pipeline.begin(), stage("auth-apikey", settings, "--api-key-file"));
    plan.authorization = "Bearer <your API key>";
  }
  const bool authenticated = !server.pipeline.empty();
  if (!authenticated && !args.has("allow-unauthenticated"))
    throw UsageError("refusing to publish '" + plan.name + "' without authentication: give --basic-auth-file, --api-key-file or "
                     "--oidc-issuer (or --allow-unauthenticated to publish it open to anyone who finds the URL)");
  // Requests arrive through the tunnel with the public host name, which the loopback listener
  // would otherwise refuse; the access policy above is what guards the endpoint.
  plan.config.listen.allowedHosts.push_back("*");
  plan.config.servers.push_back(std::move(server));
  return plan;
}

void printPlan(const TunnelPlan& plan) {
  const auto& server = plan.config.servers.front();
  std::printf("moat tunnel (dry run): nothing is started\n");
  std::printf("  gateway:  127.0.0.1:%s%s -> %s\n", plan.config.listen.port ? std::to_string(plan.config.listen.port).c_str() : "(free port)",
              server.path.c_str(), server.upstream.url.c_str());
  std::printf("  pipeline:");
  if (server.pipeline.empty()) std::printf(" (none: open to anyone, --allow-unauthenticated)");
  for (const auto& s : server.pipeline) std::printf(" %s", s.plugin.c_str());
  std::printf("\n  provider: %s %s\n", plan.provider.c_str(), redacted(json::parse(plan.providerArgs)).c_str());
  std::fputs(clientSnippets(plan.name, "<public URL>/mcp", plan.authorization).c_str(), stdout);
}

}  // namespace

const std::vector<FlagSpec>& tunnelFlags() {
  static const std::vector<FlagSpec> flags = withGatewayFlags({
      {"tunnel-provider", "NAME", "ngrok, ssh, or another tunnel plugin (required)"},
      {"provider-args", "JSON", "the provider's arguments as a JSON object"},
      {"port", "N", "local gateway port (default: a free one)"},
      {"basic-auth-file", "FILE", "require HTTP Basic credentials from this htpasswd file (auth-basic)"},
      {"api-key-file", "FILE", "require a bearer API key listed in FILE (auth-apikey)"},
      {"allow-unauthenticated", "", "publish even without an authentication stage"},
      {"dry-run", "", "print what would be started, start nothing"},
  });
  return flags;
}

int runTunnel(const Args& args) {
  TunnelPlan plan = planFromFlags(args);
  if (args.has("dry-run")) {
    // Loading the provider checks its arguments without starting anything.
    core::PluginRegistry registry(core::defaultSearchPath(plan.config.plugins.searchPath));
    core::TunnelClient provider(registry.byName(plan.provider), plan.providerArgs);
    printPlan(plan);
    return 0;
  }
  sigset_t signals = blockShutdownSignals();
  std::unique_ptr<core::TunnelClient> tunnel;
  ServeHooks hooks;
  hooks.listening = [&](uint16_t port, core::PluginRegistry& registry) {
    tunnel = std::make_unique<core::TunnelClient>(registry.byName(plan.provider), plan.providerArgs);
    const std::string localUrl = "http://127.0.0.1:" + std::to_string(port) + plan.config.servers.front().path;
    const std::string publicUrl = tunnel->open(localUrl);
    log::info("tunnel", "published", {{"provider", plan.provider}, {"local", localUrl}, {"public", publicUrl}});
    std::printf("moat: tunnel up: %s -> %s\n", publicUrl.c_str(), localUrl.c_str());
    std::fputs(clientSnippets(plan.name, publicUrl, plan.authorization).c_str(), stdout);
    std::fflush(stdout);
  };
  // The tunnel must be gone before the registry that holds its plugin is.
  hooks.stopped = [&] {
    if (!tunnel) return;
    try {
      tunnel->close();
    } catch (const std::exception& e) {
      log::warn("tunnel", e.what());
    }
    tunnel.reset();
  };
  return serveUntilSignalled(plan.config, signals, hooks);
}

}  // namespace moat::cli
