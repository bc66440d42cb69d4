#include "cli/ProxyFlags.h"

#include <cstdio>

#include "moat/json.hpp"

namespace moat::cli {
namespace {

uint16_t portValue(const std::string& text, const char* flag) {
  try {
    size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value >= 0 && value <= 65535) return static_cast<uint16_t>(value);
  } catch (const std::exception&) {
  }
  throw UsageError(std::string("--") + flag + " expects a number from 0 to 65535");
}

json::Value stringArray(const std::string& commaSeparated) {
  json::Value out = json::Value::makeArray();
  std::string word;
  for (char c : commaSeparated + ",") {
    if (c == ',' || c == ' ') {
      if (!word.empty()) out.mutableItems().push_back(json::Value::makeString(word));
      word.clear();
    } else {
      word += c;
    }
  }
  return out;
}

// The auth-oidc stage the --oidc-* flags describe.
config::StageConfig oidcStage(const Args& args) {
  json::Value stage = json::Value::makeObject();
  auto& m = stage.mutableMembers();
  auto copy = [&](const char* flag, const char* key) {
    if (auto v = args.get(flag)) m[key] = json::Value::makeString(*v);
  };
  copy("oidc-issuer", "issuer");
  copy("oidc-jwks-url", "jwks_url");
  copy("oidc-client-id", "client_id");
  copy("oidc-client-secret-file", "client_secret_file");
  copy("oidc-introspection-url", "introspection_url");
  if (auto audience = args.get("oidc-audience")) m["audience"] = stringArray(*audience);
  if (auto scopes = args.get("oidc-scopes")) m["scopes"] = stringArray(*scopes);
  if (auto secret = args.get("oidc-client-secret")) {
    std::fprintf(stderr, "moat: warning: --oidc-client-secret is visible to every user of this machine (ps); "
                         "prefer --oidc-client-secret-file or MOAT_OIDC_CLIENT_SECRET\n");
    m["client_secret"] = json::Value::makeString(*secret);
  } else if (!args.has("oidc-client-secret-file") && std::getenv("MOAT_OIDC_CLIENT_SECRET")) {
    m["client_secret_env"] = json::Value::makeString("MOAT_OIDC_CLIENT_SECRET");
  }
  config::StageConfig out;
  out.plugin = "auth-oidc";
  out.configJson = json::write(stage);
  out.where = config::Location{"(command line)", 0, 0, "--oidc-*"};
  return out;
}

}  // namespace

const std::vector<FlagSpec>& proxyFlags() {
  static const std::vector<FlagSpec> flags = {
      {"target-uri", "URL", "the MCP server to proxy (required)"},
      {"transport", "streamable-http|sse", "how the target speaks MCP (default streamable-http)"},
      {"host", "ADDR", "listen address (default 127.0.0.1)"},
      {"port", "N", "listen port (default 8080; 0 picks a free one)"},
      {"path", "PATH", "the MCP endpoint on this proxy (default /mcp)"},
      {"resource-url", "URL", "the RFC 9728 resource (what token audiences name); derived from requests when absent"},
      {"oidc-issuer", "URL", "protect the proxy with bearer tokens from this issuer (auth-oidc)"},
      {"oidc-audience", "AUD", "audience the token must carry (default: the resource URL)"},
      {"oidc-jwks-url", "URL", "signing keys URL (default: discovered from the issuer)"},
      {"oidc-client-id", "ID", "client id for token introspection"},
      {"oidc-client-secret", "SECRET", "client secret for introspection (visible in ps: prefer the file or MOAT_OIDC_CLIENT_SECRET)"},
      {"oidc-client-secret-file", "FILE", "file holding the client secret"},
      {"oidc-introspection-url", "URL", "RFC 7662 endpoint for opaque tokens (default: discovered)"},
      {"oidc-scopes", "S1,S2", "scopes every request's token must carry"},
      {"plugin-path", "DIR", "also search DIR for plugins (repeatable; $MOAT_PLUGIN_PATH works too)"},
      {"log-format", "text|json", "log line format (default text)"},
      {"log-level", "LEVEL", "trace, debug, info, warn or error (default info)"},
  };
  return flags;
}

config::Config configFromProxyFlags(const Args& args) {
  auto target = args.get("target-uri");
  if (!target) throw UsageError("--target-uri URL is required");
  if (target->rfind("http://", 0) != 0 && target->rfind("https://", 0) != 0)
    throw UsageError("--target-uri must be an http:// or https:// URL");
  if (args.positional.size() > 1) throw UsageError("moat proxy takes at most one NAME");
  config::Config config;
  config.file = "(command line)";
  if (auto host = args.get("host")) config.listen.address = *host;
  if (auto port = args.get("port")) config.listen.port = portValue(*port, "port");
  if (auto format = args.get("log-format")) config.log.format = *format;
  if (auto level = args.get("log-level")) config.log.level = *level;
  for (const auto& dir : args.all("plugin-path")) config.plugins.searchPath.push_back(dir);

  config::ServerConfig server;
  server.name = args.positional.empty() ? "proxy" : args.positional.front();
  server.path = args.get("path").value_or("/mcp");
  if (server.path.empty() || server.path.front() != '/') throw UsageError("--path must start with '/'");
  server.upstream.url = *target;
  std::string transport = args.get("transport").value_or("streamable-http");
  if (transport == "sse") server.upstream.transport = config::UpstreamTransport::Sse;
  else if (transport != "streamable-http") throw UsageError("--transport must be streamable-http or sse");
  if (auto resource = args.get("resource-url")) {
    if (resource->rfind("http://", 0) != 0 && resource->rfind("https://", 0) != 0)
      throw UsageError("--resource-url must be an http:// or https:// URL");
    server.resourceUrl = *resource;
  }
  bool anyOidc = false;
  for (const auto& flag : proxyFlags())
    if (flag.name.rfind("oidc-", 0) == 0 && args.has(flag.name)) anyOidc = true;
  if (anyOidc) {
    if (!args.has("oidc-issuer")) throw UsageError("the --oidc-* flags need --oidc-issuer");
    server.pipeline.push_back(oidcStage(args));
  }
  config.servers.push_back(std::move(server));
  return config;
}

}  // namespace moat::cli
