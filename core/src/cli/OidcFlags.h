// ToolHive's --oidc-* flags, shared by `moat proxy` and `moat run`: they build the same
// auth-oidc stage the YAML would.
#pragma once

#include <optional>
#include <vector>

#include "cli/Args.h"
#include "config/Config.h"

namespace moat::cli {

const std::vector<FlagSpec>& oidcFlags();

// The auth-oidc stage, or nullopt when no --oidc-* flag was given. Throws UsageError when
// --oidc-issuer is missing from a set that needs it.
std::optional<config::StageConfig> oidcStageFromFlags(const Args& args);

// --resource-url, checked.
std::string resourceUrlFromFlags(const Args& args);

}  // namespace moat::cli
