// The host services table handed to every plugin at init (moat_host_api), and the per-plugin
// context it is called with.
#pragma once

#include <string>

#include "moat/abi.h"

struct moat_host_context {
  std::string pluginName;  // for log lines and counter names; set once the descriptor is known
  std::string file;
};

namespace moat::core {

const moat_host_api* hostApi();

}  // namespace moat::core
