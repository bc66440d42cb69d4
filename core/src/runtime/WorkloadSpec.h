// The spec JSON a runtime plugin's start hook receives (see abi.h): a stdio server, or an HTTP
// server in a container.
#pragma once

#include <string>

#include "config/Config.h"

namespace moat::core {

std::string workloadSpec(const config::ServerConfig& server);

}  // namespace moat::core
