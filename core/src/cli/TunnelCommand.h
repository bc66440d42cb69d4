// `moat tunnel TARGET NAME --tunnel-provider P --provider-args JSON`: a gateway in front of
// TARGET (a URL, or the name of a workload `moat run` started) with the access policy the flags
// give, published through a tunnel provider plugin. Refuses to publish without authentication
// unless told to.
#pragma once

#include "cli/Args.h"

namespace moat::cli {

const std::vector<FlagSpec>& tunnelFlags();
int runTunnel(const Args& args);

}  // namespace moat::cli
