// A server the gateway serves: its configuration, its pipeline and how it reaches upstream.
#pragma once

#include <memory>

#include "config/Config.h"
#include "gateway/ToolAnnotations.h"
#include "gateway/ToolView.h"
#include "replicas/OwnerForwarder.h"
#include "server/SessionBindings.h"
#include "upstream/Upstream.h"
#include "pipeline/Pipeline.h"

namespace moat::gateway {

struct Route {
  config::ServerConfig config;
  std::unique_ptr<core::Pipeline> pipeline;
  // Shared with the route of the next configuration when a reload leaves the server's upstream
  // as it was: its processes, its sessions and who owns them outlive the pipeline.
  std::shared_ptr<Upstream> upstream;
  std::shared_ptr<SessionBindings> sessions;
  // Set when the upstream's sessions live in this process and replicas forward to each other:
  // how a session living on another replica is reached.
  std::shared_ptr<replicas::OwnerForwarder> forwarder;
  std::unique_ptr<ToolView> tools;  // none: the server's tools as they are
  std::unique_ptr<ToolAnnotations> annotations = std::make_unique<ToolAnnotations>();
};

}  // namespace moat::gateway
