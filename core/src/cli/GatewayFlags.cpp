#include "cli/GatewayFlags.h"

#include "cli/OidcFlags.h"
#include "cli/TokenExchangeFlags.h"

namespace moat::cli {

std::vector<FlagSpec> withGatewayFlags(std::vector<FlagSpec> own) {
  own.push_back({"host", "ADDR", "listen address (default 127.0.0.1)"});
  own.push_back({"diagnostics-port", "N", "serve /metrics, /healthz and /readyz on 127.0.0.1:N (0 picks a free port)"});
  own.insert(own.end(), oidcFlags().begin(), oidcFlags().end());
  own.insert(own.end(), tokenExchangeFlags().begin(), tokenExchangeFlags().end());
  own.push_back({"plugin-path", "DIR", "also search DIR for plugins (repeatable; $MOAT_PLUGIN_PATH works too)"});
  own.push_back({"log-format", "text|json", "log line format (default text)"});
  own.push_back({"log-level", "LEVEL", "trace, debug, info, warn or error (default info)"});
  return own;
}

void applyGatewayFlags(const Args& args, config::Config& config, config::ServerConfig& server, std::optional<config::StageConfig> remoteAuth) {
  config.file = "(command line)";
  if (auto host = args.get("host")) config.listen.address = *host;
  if (auto port = args.get("diagnostics-port")) config.diagnostics.port = portValue(*port, "diagnostics-port");
  if (auto format = args.get("log-format")) config.log.format = *format;
  if (auto level = args.get("log-level")) config.log.level = *level;
  for (const auto& dir : args.all("plugin-path")) config.plugins.searchPath.push_back(dir);
  server.resourceUrl = resourceUrlFromFlags(args);
  auto authenticator = oidcStageFromFlags(args);
  const bool authenticated = authenticator.has_value();
  if (authenticator) server.pipeline.push_back(std::move(*authenticator));
  const bool loggedIn = remoteAuth.has_value();
  if (remoteAuth) server.pipeline.push_back(std::move(*remoteAuth));
  if (auto exchanger = tokenExchangeStageFromFlags(args, authenticated, loggedIn)) server.pipeline.push_back(std::move(*exchanger));
}

uint16_t portValue(const std::string& text, const std::string& flag) {
  try {
    size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value >= 0 && value <= 65535) return static_cast<uint16_t>(value);
  } catch (const std::exception&) {
  }
  throw UsageError("--" + flag + " expects a number from 0 to 65535");
}

}  // namespace moat::cli
