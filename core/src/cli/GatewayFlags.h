// Flags shared by the commands that build a gateway from the command line instead of a YAML
// file (`moat proxy`, `moat run`): listening address, plugins, logging, and the --oidc-* and
// --token-exchange-* sets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/Args.h"
#include "config/Config.h"

namespace moat::cli {

// `own` followed by the shared flags.
std::vector<FlagSpec> withGatewayFlags(std::vector<FlagSpec> own);

// Applies the shared flags to `config`, and the --oidc-*, --token-exchange-* and --resource-url
// ones to `server`.
// `remoteAuth` (moat proxy --remote-auth) goes after the authenticator and before the
// exchanger, which then trades the login's token instead of the caller's.
void applyGatewayFlags(const Args& args, config::Config& config, config::ServerConfig& server,
                       std::optional<config::StageConfig> remoteAuth = std::nullopt);

// Throws UsageError naming --flag.
uint16_t portValue(const std::string& text, const std::string& flag);

}  // namespace moat::cli
