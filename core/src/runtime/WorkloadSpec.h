// The spec JSON a runtime plugin's start hook receives for a stdio server (see abi.h).
#pragma once

#include <string>

#include "config/Config.h"

namespace moat::core {

std::string stdioWorkloadSpec(const config::ServerConfig& server);

}  // namespace moat::core
