#include "cli/ProxyFlags.h"

#include "cli/GatewayFlags.h"
#include "cli/RemoteAuthFlags.h"

namespace moat::cli {

const std::vector<FlagSpec>& proxyFlags() {
  static const std::vector<FlagSpec> flags = [] {
    std::vector<FlagSpec> own{
        {"target-uri", "URL", "the MCP server to proxy (required)"},
        {"transport", "streamable-http|sse", "how the target speaks MCP (default streamable-http)"},
        {"port", "N", "listen port (default 8080; 0 picks a free one)"},
        {"path", "PATH", "the MCP endpoint on this proxy (default /mcp)"},
    };
    own.insert(own.end(), remoteAuthFlags().begin(), remoteAuthFlags().end());
    return withGatewayFlags(std::move(own));
  }();
  return flags;
}

config::Config configFromProxyFlags(const Args& args) {
  auto target = args.get("target-uri");
  if (!target) throw UsageError("--target-uri URL is required");
  if (target->rfind("http://", 0) != 0 && target->rfind("https://", 0) != 0)
    throw UsageError("--target-uri must be an http:// or https:// URL");
  if (args.positional.size() > 1) throw UsageError("moat proxy takes at most one NAME");
  config::Config config;
  config::ServerConfig server;
  if (auto port = args.get("port")) config.listen.port = portValue(*port, "port");
  server.name = args.positional.empty() ? "proxy" : args.positional.front();
  server.path = args.get("path").value_or("/mcp");
  if (server.path.empty() || server.path.front() != '/') throw UsageError("--path must start with '/'");
  server.upstream.url = *target;
  std::string transport = args.get("transport").value_or("streamable-http");
  if (transport == "sse") server.upstream.transport = config::UpstreamTransport::Sse;
  else if (transport != "streamable-http") throw UsageError("--transport must be streamable-http or sse");
  applyGatewayFlags(args, config, server, remoteAuthStageFromFlags(args, server.name, *target));
  config.servers.push_back(std::move(server));
  return config;
}

}  // namespace moat::cli
