#include "operator/ServerReconciler.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <optional>

#include "log/Log.h"
#include "operator/ApiTypes.h"
#include "operator/GatewayPipeline.h"
#include "operator/JsonBuild.h"
#include "operator/ServerSpec.h"
#include "operator/ServerStatus.h"
#include "operator/Workloads.h"

namespace moat::op {
namespace {

using namespace build;

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// Whether `secret` holds `key` (in data or stringData).
bool hasKey(const json::Value& secret, const std::string& key) {
  for (const char* member : {"data", "stringData"})
    if (const json::Value* data = secret.find(member); data && data->isObject() && data->find(key)) return true;
  return false;
}

// A Deployment's pods are all up and run its current spec.
bool deploymentReady(const json::Value& deployment, int& ready, int& wanted) {
  const json::Value* status = deployment.find("status");
  const json::Value* spec = deployment.find("spec");
  const json::Value* metadata = deployment.find("metadata");
  auto number = [](const json::Value* object, const char* key) {
    const json::Value* value = object && object->isObject() ? object->find(key) : nullptr;
    return value && value->type() == json::Value::Type::Number ? static_cast<int64_t>(value->asNumber()) : 0;
  };
  wanted = static_cast<int>(number(spec, "replicas"));
  ready = static_cast<int>(number(status, "readyReplicas"));
  const int updated = static_cast<int>(number(status, "updatedReplicas"));
  return number(status, "observedGeneration") >= number(metadata, "generation") && ready >= wanted && updated >= wanted;
}

struct AuthCheck {
  Condition condition{"AuthConfigured", false, "", ""};
  std::optional<ExternalAuthSpec> externalAuth;
  std::vector<SecretKeyRef> secrets;
  std::string secretVersions;  // resourceVersions of the referenced Secrets, for the config hash
};

// Whether the gateway can authenticate as the resource asks: its MCPExternalAuthConfig exists
// and is one moat carries out, and every Secret key the pipeline names exists. Throws on API
// errors other than 404.
AuthCheck checkAuth(const kube::KubeClient& api, const ServerSpec& server, const std::string& ns) {
  AuthCheck auth;
  auth.condition = {"AuthConfigured", true, "AuthConfigured", ""};
  if (!server.externalAuthConfig.empty()) {
    try {
      auth.externalAuth = readExternalAuthSpec(api.get(kExternalAuthConfigs.path(ns, server.externalAuthConfig)));
      if (!auth.externalAuth->unsupported.empty())
        auth.condition = {"AuthConfigured", false, "UnsupportedExternalAuthConfig", join(auth.externalAuth->unsupported, "; ")};
      else if (!server.oidc)
        auth.condition = {"AuthConfigured", false, "OIDCConfigRequired",
                          "token exchange needs the client's identity: set spec.oidcConfig"};
    } catch (const kube::ApiError& e) {
      if (e.status != 404) throw;
      auth.condition = {"AuthConfigured", false, "ExternalAuthConfigNotFound",
                        "MCPExternalAuthConfig " + server.externalAuthConfig + " not found in namespace " + ns};
    }
  }
  if (auth.condition.status) {
    auth.secrets = referencedSecrets(server, auth.externalAuth);
    for (const auto& secretRef : auth.secrets) {
      try {
        json::Value secret = api.get(kSecrets.path(ns, secretRef.name));
        if (!hasKey(secret, secretRef.key)) {
          auth.condition = {"AuthConfigured", false, "SecretKeyNotFound", "Secret " + secretRef.name + " has no key " + secretRef.key};
          break;
        }
        auth.secretVersions += secretRef.name + "=" + secret.find("metadata")->stringOr("resourceVersion", "") + ";";
      } catch (const kube::ApiError& e) {
        if (e.status != 404) throw;
        auth.condition = {"AuthConfigured", false, "SecretNotFound", "Secret " + secretRef.name + " not found in namespace " + ns};
        break;
      }
    }
  }
  if (auth.condition.status) {
    std::vector<std::string> parts;
    if (server.oidc) parts.push_back("OIDC tokens from " + server.oidc->inlineConfig.issuer);
    if (auth.externalAuth) parts.push_back("token exchange at " + auth.externalAuth->tokenExchange->tokenUrl);
    auth.condition.message = parts.empty() ? "no oidcConfig: the gateway admits every request" : join(parts, "; ");
    if (parts.empty()) auth.condition.reason = "NoAuthentication";
  }
  return auth;
}

}  // namespace

void ServerReconciler::reconcile(bool remote, const std::string& ns, const std::string& name) const {
  const kube::ResourceType& type = resourceOf(remote);
  const std::string logKey = remote ? "mcpremoteproxy" : "mcpserver";
  json::Value resource;
  try {
    resource = api_.get(type.path(ns, name));
  } catch (const kube::ApiError& e) {
    if (e.status == 404) return;  // gone, and its finalizer already ran
    throw;
  }
  ServerSpec server = remote ? readRemoteProxySpec(resource) : readServerSpec(resource);
  server.ns = ns;
  const ObjectRef ref{type.apiVersion(), type.kind, ns, name, server.uid};
  const json::Value previous = resource.find("status") ? *resource.find("status") : json::Value::makeObject();
  const bool hasFinalizer = std::find(server.finalizers.begin(), server.finalizers.end(), kFinalizer) != server.finalizers.end();

  if (server.deleting) {
    if (!hasFinalizer) return;
    api_.remove(kDeployments.path(ns, gatewayWorkloadName(name, remote)));
    api_.remove(kServices.path(ns, gatewayWorkloadName(name, remote)));
    api_.remove(kConfigMaps.path(ns, gatewayConfigName(name, remote)));
    if (!remote) {
      api_.remove(kDeployments.path(ns, serverWorkloadName(name)));
      api_.remove(kServices.path(ns, serverWorkloadName(name)));
    }
    std::vector<std::string> rest;
    for (const auto& finalizer : server.finalizers)
      if (finalizer != kFinalizer) rest.push_back(finalizer);
    api_.mergePatch(type.path(ns, name), object({{"metadata", build::object({{"finalizers", strings(rest)}})}}));
    events_.normal(ref, "Deleted", remote ? "removed the gateway Deployment, Service and ConfigMap" : "removed the server and gateway Deployments, Services and ConfigMap");
    log::info("operator", "cleaned up", {{logKey, ns + "/" + name}});
    return;
  }
  if (!hasFinalizer) {
    std::vector<std::string> withOurs = server.finalizers;
    withOurs.push_back(kFinalizer);
    api_.mergePatch(type.path(ns, name), object({{"metadata", build::object({{"finalizers", strings(withOurs)}})}}));
  }

  ServerStatus status;
  status.observedGeneration = server.generation;
  auto publish = [&]() {
    for (const auto& changed : changedConditions(status, previous)) {
      if (changed.status) events_.normal(ref, changed.reason, changed.message);
      else events_.warning(ref, changed.reason, changed.message);
    }
    if (sameStatus(status, previous)) return;
    log::info("operator", "status", {{logKey, ns + "/" + name}, {"phase", status.phase}, {"ready", status.conditions[0].status ? "true" : "false"},
                                     {"reason", status.conditions[0].reason}});
    api_.mergePatch(type.path(ns, name) + "/status", object({{"status", statusJson(status, previous)}}));
  };

  if (!server.unsupported.empty() || !server.invalid.empty()) {
    status.phase = "Failed";
    status.conditions = {server.unsupported.empty() ? Condition{"Ready", false, "InvalidSpec", join(server.invalid, "; ")}
                                                    : Condition{"Ready", false, "UnsupportedField", join(server.unsupported, "; ")}};
    publish();
    return;
  }

  const AuthCheck auth = checkAuth(api_, server, ns);
  if (!auth.condition.status) {
    // Fail closed: nothing is deployed or changed until the gateway can authenticate as asked.
    status.phase = "Pending";
    status.conditions = {{"Ready", false, "AuthNotConfigured", auth.condition.message}, auth.condition};
    publish();
    return;
  }

  const std::string pipeline = gatewayPipeline(server, auth.externalAuth);
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(pipeline + "\n" + auth.secretVersions + "\n" + gatewayImage_);
  const std::string hash = Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 16);

  json::Value serverDeploy;
  if (!remote) {
    serverDeploy = api_.apply(kDeployments.path(ns, serverWorkloadName(name)), serverDeployment(server), kFieldManager);
    api_.apply(kServices.path(ns, serverWorkloadName(name)), serverService(server), kFieldManager);
  }
  api_.apply(kConfigMaps.path(ns, gatewayConfigName(name, remote)), gatewayConfigMap(server, pipeline), kFieldManager);
  const json::Value gatewayDeploy = api_.apply(kDeployments.path(ns, gatewayWorkloadName(name, remote)),
                                               gatewayDeployment(server, auth.secrets, {gatewayImage_, hash}), kFieldManager);
  api_.apply(kServices.path(ns, gatewayWorkloadName(name, remote)), gatewayService(server), kFieldManager);

  int serverReady = 0, serverWanted = 0, gatewayReady = 0, gatewayWanted = 0;
  // Both counted, for the message, whichever is behind.
  const bool serverUp = remote || deploymentReady(serverDeploy, serverReady, serverWanted);
  const bool gatewayUp = deploymentReady(gatewayDeploy, gatewayReady, gatewayWanted);
  const bool ready = serverUp && gatewayUp;
  status.phase = ready ? "Running" : "Pending";
  status.url = "http://" + gatewayWorkloadName(name, remote) + "." + ns + ".svc.cluster.local:" + std::to_string(server.proxyPort) + "/mcp";
  const std::string gatewayCount = "gateway pods ready " + std::to_string(gatewayReady) + "/" + std::to_string(gatewayWanted);
  status.conditions = {
      ready ? Condition{"Ready", true, "DeploymentsReady", remote ? "the gateway is up" : "the server and its gateway are up"}
            : Condition{"Ready", false, "DeploymentsNotReady",
                        remote ? gatewayCount
                               : "server pods ready " + std::to_string(serverReady) + "/" + std::to_string(serverWanted) + ", " + gatewayCount},
      auth.condition};
  publish();
}

void ServerReconciler::reportFailure(bool remote, const std::string& ns, const std::string& name, const std::string& reason,
                                     const std::string& message) const {
  const kube::ResourceType& type = resourceOf(remote);
  try {
    json::Value resource = api_.get(type.path(ns, name));
    ServerSpec server = remote ? readRemoteProxySpec(resource) : readServerSpec(resource);
    const json::Value previous = resource.find("status") ? *resource.find("status") : json::Value::makeObject();
    ServerStatus status;
    status.observedGeneration = server.generation;
    status.phase = "Pending";
    status.url = previous.stringOr("url", "");
    status.conditions = {{"Ready", false, reason, message}};
    if (sameStatus(status, previous)) return;
    events_.warning({type.apiVersion(), type.kind, ns, name, server.uid}, reason, message);
    api_.mergePatch(type.path(ns, name) + "/status", object({{"status", statusJson(status, previous)}}));
  } catch (const std::exception& e) {
    log::warn("operator", "cannot report a failure in the status", {{type.kind, ns + "/" + name}, {"error", e.what()}});
  }
}

}  // namespace moat::op
