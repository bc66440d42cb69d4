// The kinds of object the operator reads and writes, and the names it gives what it creates.
#pragma once

#include <string>

#include "kube/KubeClient.h"

namespace moat::op {

inline const std::string kGroup = "moat.dev";
inline const std::string kFieldManager = "moat-operator";
inline const std::string kFinalizer = "moat.dev/cleanup";
inline const std::string kServerLabel = "moat.dev/mcpserver";
inline const std::string kRemoteProxyLabel = "moat.dev/mcpremoteproxy";
inline const std::string kConfigHashAnnotation = "moat.dev/config-hash";

inline const kube::ResourceType kMcpServers{kGroup, "v1alpha1", "mcpservers", "MCPServer"};
inline const kube::ResourceType kRemoteProxies{kGroup, "v1alpha1", "mcpremoteproxies", "MCPRemoteProxy"};
inline const kube::ResourceType kExternalAuthConfigs{kGroup, "v1alpha1", "mcpexternalauthconfigs", "MCPExternalAuthConfig"};
inline const kube::ResourceType kSecrets{"", "v1", "secrets", "Secret"};
inline const kube::ResourceType kServices{"", "v1", "services", "Service"};
inline const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap"};
inline const kube::ResourceType kEvents{"", "v1", "events", "Event"};
inline const kube::ResourceType kDeployments{"apps", "v1", "deployments", "Deployment"};
inline const kube::ResourceType kLeases{"coordination.k8s.io", "v1", "leases", "Lease"};

// What an MCPServer NAME becomes. The gateway's Service keeps ToolHive's name, so
// `kubectl port-forward svc/mcp-NAME-proxy` works unchanged (an MCPRemoteProxy's:
// mcp-NAME-remote-proxy).
inline std::string serverWorkloadName(const std::string& name) { return "mcp-" + name; }
inline std::string gatewayWorkloadName(const std::string& name, bool remote = false) {
  return "mcp-" + name + (remote ? "-remote-proxy" : "-proxy");
}
inline std::string gatewayConfigName(const std::string& name, bool remote = false) { return gatewayWorkloadName(name, remote) + "-config"; }

// The resource type and owner label of each kind.
inline const kube::ResourceType& resourceOf(bool remote) { return remote ? kRemoteProxies : kMcpServers; }
inline const std::string& ownerLabelOf(bool remote) { return remote ? kRemoteProxyLabel : kServerLabel; }

// Where the gateway pod finds its pipeline and each referenced Secret key. The pipeline names the
// keys relative to itself, so the same file validates anywhere the two folders sit side by side.
inline const std::string kPipelineDir = "/etc/moat/config";
inline const std::string kPipelineFile = "pipeline.yaml";
inline std::string secretMountDir(const std::string& secret) { return "/etc/moat/secrets/" + secret; }
inline std::string secretRelativeDir(const std::string& secret) { return "../secrets/" + secret; }

}  // namespace moat::op
