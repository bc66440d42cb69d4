// The host services table handed to every plugin at init (moat_host_api), and the contexts it is
// called with: one per loaded plugin, and one per instance so that log lines and counters say
// which instance they came from.
#pragma once

#include <string>

#include "moat/abi.h"

struct moat_host_context {
  std::string pluginName;    // for log lines and counter names; set once the descriptor is known
  std::string file;
  std::string instanceName;  // empty for the plugin-wide context
};

namespace moat::core {

const moat_host_api* hostApi();

}  // namespace moat::core
