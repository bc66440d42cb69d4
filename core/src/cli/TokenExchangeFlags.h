// ToolHive's --token-exchange-* flags, shared by `moat proxy` and `moat run`: they build the
// same exchange-rfc8693 stage the YAML would, after the authenticator.
#pragma once

#include <optional>
#include <vector>

#include "cli/Args.h"
#include "config/Config.h"

namespace moat::cli {

const std::vector<FlagSpec>& tokenExchangeFlags();

// The exchange-rfc8693 stage, or nullopt when no --token-exchange-* flag was given. Throws
// UsageError when --token-exchange-url is missing or nothing authenticates the caller first.
// remoteLogin: `moat proxy --remote-auth` supplies the subject token (its login) instead of the caller.
std::optional<config::StageConfig> tokenExchangeStageFromFlags(const Args& args, bool callerAuthenticated, bool remoteLogin = false);

}  // namespace moat::cli
