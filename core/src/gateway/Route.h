// A server the gateway serves: its configuration, its pipeline and how it reaches upstream.
#pragma once

#include <memory>

#include "config/Config.h"
#include "server/SessionBindings.h"
#include "upstream/Upstream.h"
#include "pipeline/Pipeline.h"

namespace moat::gateway {

struct Route {
  config::ServerConfig config;
  std::unique_ptr<core::Pipeline> pipeline;
  std::unique_ptr<Upstream> upstream;
  SessionBindings sessions;
};

}  // namespace moat::gateway
