// `moat proxy` builds its pipeline from flags (ToolHive's names) instead of a YAML file: the same
// in-memory configuration, so a flag means exactly what its YAML key means.
#pragma once

#include "cli/Args.h"
#include "config/Config.h"

namespace moat::cli {

const std::vector<FlagSpec>& proxyFlags();

// Throws UsageError for a missing --target-uri or a flag value that cannot be used.
config::Config configFromProxyFlags(const Args& args);

}  // namespace moat::cli
