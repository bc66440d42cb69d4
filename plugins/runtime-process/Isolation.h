// Opt-in Linux isolation for a process workload with bubblewrap (Debian's `bubblewrap`): the
// host's filesystem read-only, a private /tmp, /dev and /proc of its own, every namespace
// unshared (no network unless allowed), killed with the gateway. The spec's "isolation" object:
//   {"network": false, "writable": ["/path", ...], "readable": ["/path", ...], "hide": ["/root", ...]}
// readable brings back, read-only, a path the private /tmp or `hide` covered (a server installed
// under /tmp); writable binds a path read-write.
#pragma once

#include <string>
#include <vector>

#include "moat/json.hpp"

// The argv that runs `command` inside the sandbox. Throws std::runtime_error for an unknown key,
// a relative path, or a machine without bwrap.
std::vector<std::string> isolatedCommand(const moat::json::Value& isolation, const std::vector<std::string>& command);
