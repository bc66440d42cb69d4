// moat client list|setup|remove|status: MCP clients (editors, agents) configured to reach moat's
// workloads, without copying anything by hand.
#pragma once

#include "cli/Args.h"

namespace moat::cli {

CommandSpec clientSpec();
int runClient(const Args& args);

}  // namespace moat::cli
