// moat registry list|info|search: the servers `moat run NAME` can start by name.
#pragma once

#include <optional>

#include "cli/Args.h"

namespace moat::cli {

CommandSpec registrySpec();
int runRegistry(const Args& args);

// `moat run NAME [WORDS...]` with NAME found in the registry: the same run spelled out (the
// package as the command, its environment as -e, its secrets as --secret by name). nullopt
// when NAME is not a registry entry; throws UsageError when the entry cannot be run.
std::optional<Args> registryRunArgs(const Args& args);

}  // namespace moat::cli
