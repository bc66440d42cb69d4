#include "operator/Workloads.h"

#include <map>

#include "operator/ApiTypes.h"
#include "operator/GatewayPipeline.h"
#include "operator/JsonBuild.h"

namespace moat::op {
namespace {

using namespace build;

// A non-root user with no home: the images need not define one.
constexpr double kGatewayUser = 65532;
// What a gateway in front of one server needs, measured under load (docs/benchmarks.md) with room.
const ResourceList kGatewayLimits{"1", "256Mi"}, kGatewayRequests{"50m", "64Mi"};

json::Value labels(const ServerSpec& server, const std::string& component) {
  return object({{"app.kubernetes.io/name", str("mcpserver")},
                 {"app.kubernetes.io/instance", str(server.name)},
                 {"app.kubernetes.io/component", str(component)},
                 {"app.kubernetes.io/managed-by", str(kFieldManager)},
                 {ownerLabelOf(server.remote()), str(server.name)}});
}

json::Value selector(const ServerSpec& server, const std::string& component) {
  return object({{ownerLabelOf(server.remote()), str(server.name)}, {"app.kubernetes.io/component", str(component)}});
}

json::Value metadata(const ServerSpec& server, const std::string& name, const std::string& component) {
  return object({{"name", str(name)},
                 {"namespace", str(server.ns)},
                 {"labels", labels(server, component)},
                 {"ownerReferences", array({object({{"apiVersion", str(resourceOf(server.remote()).apiVersion())},
                                                    {"kind", str(resourceOf(server.remote()).kind)},
                                                    {"name", str(server.name)},
                                                    {"uid", str(server.uid)},
                                                    {"controller", flag(true)},
                                                    {"blockOwnerDeletion", flag(true)}})})}});
}

// What every container here gets: no root, no privilege escalation, no capabilities, a
// read-only root filesystem and the runtime's default seccomp profile.
json::Value restrictedContainer() {
  return object({{"runAsNonRoot", flag(true)},
                 {"allowPrivilegeEscalation", flag(false)},
                 {"readOnlyRootFilesystem", flag(true)},
                 {"capabilities", object({{"drop", strings({"ALL"})}})},
                 {"seccompProfile", object({{"type", str("RuntimeDefault")}})}});
}

json::Value resources(const ResourceList& limits, const ResourceList& requests) {
  json::Value out = json::Value::makeObject();
  auto add = [&](const char* key, const ResourceList& list) {
    json::Value values = json::Value::makeObject();
    if (!list.cpu.empty()) values.mutableMembers()["cpu"] = str(list.cpu);
    if (!list.memory.empty()) values.mutableMembers()["memory"] = str(list.memory);
    if (!values.members().empty()) out.mutableMembers()[key] = values;
  };
  add("limits", limits);
  add("requests", requests);
  return out;
}

json::Value deployment(const ServerSpec& server, const std::string& name, const std::string& component, int replicas, json::Value podSpec,
                       json::Value podAnnotations) {
  json::Value templateMetadata = object({{"labels", labels(server, component)}});
  if (!podAnnotations.members().empty()) templateMetadata.mutableMembers()["annotations"] = podAnnotations;
  return object({{"apiVersion", str("apps/v1")},
                 {"kind", str("Deployment")},
                 {"metadata", metadata(server, name, component)},
                 {"spec", object({{"replicas", num(replicas)},
                                  {"selector", object({{"matchLabels", selector(server, component)}})},
                                  {"template", object({{"metadata", templateMetadata}, {"spec", podSpec}})}})}});
}

json::Value service(const ServerSpec& server, const std::string& name, const std::string& component, int port) {
  return object({{"apiVersion", str("v1")},
                 {"kind", str("Service")},
                 {"metadata", metadata(server, name, component)},
                 {"spec", object({{"selector", selector(server, component)},
                                  {"ports", array({object({{"name", str("http")},
                                                           {"port", num(port)},
                                                           {"targetPort", num(port)},
                                                           {"protocol", str("TCP")}})})}})}});
}

}  // namespace

json::Value serverDeployment(const ServerSpec& server) {
  json::Value env = json::Value::makeArray();
  for (const auto& [name, value] : server.env) env.mutableItems().push_back(object({{"name", str(name)}, {"value", str(value)}}));
  json::Value container = object({{"name", str("mcp")},
                                  {"image", str(server.image)},
                                  {"args", strings(server.args)},
                                  {"env", env},
                                  {"ports", array({object({{"name", str("mcp")}, {"containerPort", num(server.mcpPort)}})})},
                                  {"resources", resources(server.limits, server.requests)},
                                  {"securityContext", restrictedContainer()},
                                  {"volumeMounts", array({object({{"name", str("tmp")}, {"mountPath", str("/tmp")}})})}});
  json::Value pod = object({{"containers", array({container})},
                            // The server has no business with the Kubernetes API.
                            {"automountServiceAccountToken", flag(false)},
                            {"securityContext", object({{"runAsNonRoot", flag(true)}})},
                            {"volumes", array({object({{"name", str("tmp")}, {"emptyDir", json::Value::makeObject()}})})}});
  if (!server.serviceAccount.empty()) pod.mutableMembers()["serviceAccountName"] = str(server.serviceAccount);
  return deployment(server, serverWorkloadName(server.name), "server", server.backendReplicas, pod, json::Value::makeObject());
}

json::Value serverService(const ServerSpec& server) {
  return service(server, serverWorkloadName(server.name), "server", server.mcpPort);
}

json::Value gatewayConfigMap(const ServerSpec& server, const std::string& pipeline) {
  return object({{"apiVersion", str("v1")},
                 {"kind", str("ConfigMap")},
                 {"metadata", metadata(server, gatewayConfigName(server.name, server.remote()), "gateway")},
                 {"data", object({{kPipelineFile, str(pipeline)}})}});
}

json::Value gatewayDeployment(const ServerSpec& server, const std::vector<SecretKeyRef>& secrets, const GatewayOptions& options) {
  json::Value volumes = array({object({{"name", str("pipeline")}, {"configMap", object({{"name", str(gatewayConfigName(server.name, server.remote()))}})}})});
  json::Value mounts = array({object({{"name", str("pipeline")}, {"mountPath", str(kPipelineDir)}, {"readOnly", flag(true)}})});
  // One volume per Secret, holding only the keys the pipeline reads.
  std::map<std::string, std::vector<std::string>> keysBySecret;
  for (const auto& ref : secrets) keysBySecret[ref.name].push_back(ref.key);
  for (const auto& [secret, keys] : keysBySecret) {
    json::Value items = json::Value::makeArray();
    for (const auto& key : keys) items.mutableItems().push_back(object({{"key", str(key)}, {"path", str(key)}}));
    const std::string volume = "secret-" + secret;
    volumes.mutableItems().push_back(object({{"name", str(volume)},
                                             {"secret", object({{"secretName", str(secret)}, {"items", items}, {"defaultMode", num(0440)}})}}));
    mounts.mutableItems().push_back(object({{"name", str(volume)}, {"mountPath", str(secretMountDir(secret))}, {"readOnly", flag(true)}}));
  }
  auto probe = [](const char* path) {
    return object({{"httpGet", object({{"path", str(path)}, {"port", str("diagnostics")}})}, {"periodSeconds", num(10)}});
  };
  json::Value container = object({{"name", str("moat")},
                                  {"image", str(options.image)},
                                  {"args", strings({"serve", "--config", kPipelineDir + "/" + kPipelineFile})},
                                  {"ports", array({object({{"name", str("http")}, {"containerPort", num(server.proxyPort)}}),
                                                   object({{"name", str("diagnostics")}, {"containerPort", num(9464)}})})},
                                  // An MCPRemoteProxy's resources are its gateway's; an MCPServer's are its server's.
                                  {"resources", server.remote() ? resources(server.limits, server.requests)
                                                                : resources(kGatewayLimits, kGatewayRequests)},
                                  {"livenessProbe", probe("/healthz")},
                                  {"readinessProbe", probe("/readyz")},
                                  {"securityContext", restrictedContainer()},
                                  {"volumeMounts", mounts}});
  json::Value pod = object({{"containers", array({container})},
                            {"automountServiceAccountToken", flag(false)},
                            {"securityContext", object({{"runAsNonRoot", flag(true)},
                                                        {"runAsUser", num(kGatewayUser)},
                                                        {"runAsGroup", num(kGatewayUser)},
                                                        {"fsGroup", num(kGatewayUser)}})},
                            {"volumes", volumes}});
  return deployment(server, gatewayWorkloadName(server.name, server.remote()), "gateway", server.replicas, pod,
                    object({{kConfigHashAnnotation, str(options.configHash)}}));
}

json::Value gatewayService(const ServerSpec& server) {
  return service(server, gatewayWorkloadName(server.name, server.remote()), "gateway", server.proxyPort);
}

}  // namespace moat::op
