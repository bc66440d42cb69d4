// The Kubernetes objects one MCPServer becomes: the server's Deployment and Service, and the
// gateway's ConfigMap, Deployment and Service in front of it. Each is a complete object for
// server-side apply, labelled and owned by the MCPServer.
#pragma once

#include <string>
#include <vector>

#include "moat/json.hpp"
#include "operator/ServerSpec.h"

namespace moat::op {

struct GatewayOptions {
  std::string image;       // the moat image the gateway runs
  std::string configHash;  // changes when the pipeline or a referenced Secret changes: rolls the pods
};

json::Value serverDeployment(const ServerSpec& server);
json::Value serverService(const ServerSpec& server);
json::Value gatewayConfigMap(const ServerSpec& server, const std::string& pipeline);
json::Value gatewayDeployment(const ServerSpec& server, const std::vector<SecretKeyRef>& secrets, const GatewayOptions& options);
json::Value gatewayService(const ServerSpec& server);

}  // namespace moat::op
