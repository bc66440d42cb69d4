// The process's limit on open descriptors, raised as far as it may go: every waiting connection
// holds one, and the default soft limit (often 1024) would cap the gateway far below
// listen.max_connections with EMFILE instead of a clear answer.
#pragma once

#include <cstddef>

namespace moat::gateway {

// Raises the soft RLIMIT_NOFILE to the hard one; returns the soft limit now in force.
size_t raiseDescriptorLimit();

}  // namespace moat::gateway
