// The pipeline YAML the gateway pod runs for one MCPServer: its OIDC authenticator and token
// exchanger, with client secrets read from the files the pod mounts (never written here).
#pragma once

#include <optional>
#include <string>

#include "operator/ServerSpec.h"

namespace moat::op {

std::string gatewayPipeline(const ServerSpec& server, const std::optional<ExternalAuthSpec>& auth);

// A referenced Secret key as the pipeline names it (relative to the pipeline file).
std::string secretFilePath(const SecretKeyRef& ref);

}  // namespace moat::op
