// `moat proxy --remote-auth ...` (ToolHive's flag names): the stage-remote-auth stage that logs
// the developer in and forwards with their token.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/Args.h"
#include "config/Config.h"

namespace moat::cli {

const std::vector<FlagSpec>& remoteAuthFlags();

// The stage, or nullopt without --remote-auth. Throws UsageError.
std::optional<config::StageConfig> remoteAuthStageFromFlags(const Args& args, const std::string& name, const std::string& resource);

// The state directory's login files: what `moat logout NAME` removes.
std::string remoteAuthLoginFile(const std::string& name);

// moat logout NAME
int runLogout(const Args& args);

}  // namespace moat::cli
