#include "kube/ClusterAccess.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>


namespace moat::kube {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AccessError("cannot read " + what + " " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const YAML::Node findNamed(const YAML::Node& list, const std::string& name, const std::string& what, const std::string& file) {
  if (list && list.IsSequence())
    for (const auto& entry : list)
      if (entry["name"] && entry["name"].as<std::string>() == name) return entry[what];
  throw AccessError(file + ": no " + what + " named '" + name + "'");
}

// `key-data` (base64) or `key` (a file, relative to the kubeconfig).
std::string inlineOrFile(const YAML::Node& node, const std::string& key, const fs::path& base) {
  if (node[key + "-data"]) {
    std::istringstream encoded(node[key + "-data"].as<std::string>());
    Poco::Base64Decoder decoder(encoded);
    try {
      return std::string((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
    } catch (const Poco::Exception&) {
      throw AccessError("kubeconfig: " + key + "-data is not base64");
    }
  }
  if (node[key]) {
    fs::path file = node[key].as<std::string>();
    return readFile(file.is_absolute() ? file : base / file, key);
  }
  return {};
}

}  // namespace

ClusterAccess loadKubeconfig(const std::string& path, const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw AccessError("cannot read kubeconfig " + path);
  } catch (const YAML::Exception& e) {
    throw AccessError(path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  const fs::path base = fs::path(path).parent_path();
  try {
    std::string contextName = context.empty() && root["current-context"] ? root["current-context"].as<std::string>() : context;
    if (contextName.empty()) throw AccessError(path + ": no current-context; name one with --context");
    YAML::Node ctx = findNamed(root["contexts"], contextName, "context", path);
    ClusterAccess access;
    YAML::Node cluster = findNamed(root["clusters"], ctx["cluster"].as<std::string>(), "cluster", path);
    access.server = cluster["server"].as<std::string>();
    if (cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>())
      throw AccessError(path + ": insecure-skip-tls-verify is refused; give the cluster's certificate-authority");
    access.caPem = inlineOrFile(cluster, "certificate-authority", base);
    if (ctx["namespace"]) access.defaultNamespace = ctx["namespace"].as<std::string>();
    if (ctx["user"]) {
      YAML::Node user = findNamed(root["users"], ctx["user"].as<std::string>(), "user", path);
      if (user["exec"] || user["auth-provider"])
        throw AccessError(path + ": user '" + ctx["user"].as<std::string>() + "' authenticates through an exec or auth-provider plugin, which moat does not run; use a token or a client certificate");
      if (user["token"]) access.token = user["token"].as<std::string>();
      if (user["tokenFile"]) access.tokenFile = user["tokenFile"].as<std::string>();
      access.clientCertPem = inlineOrFile(user, "client-certificate", base);
      access.clientKeyPem = inlineOrFile(user, "client-key", base);
    }
    return access;
  } catch (const YAML::Exception& e) {
    throw AccessError(path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

ClusterAccess inClusterAccess() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  const fs::path mount = "/var/run/secrets/kubernetes.io/serviceaccount";
  if (!host || !port || !fs::exists(mount / "token")) throw AccessError("not running in a Kubernetes pod");
  ClusterAccess access;
  std::string address = host;
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  access.server = "https://" + address + ":" + port;
  access.caPem = readFile(mount / "ca.crt", "service account CA");
  access.tokenFile = (mount / "token").string();
  if (fs::exists(mount / "namespace")) access.defaultNamespace = readFile(mount / "namespace", "namespace");
  return access;
}

ClusterAccess resolveAccess(const std::string& kubeconfigFlag, const std::string& context) {
  if (!kubeconfigFlag.empty()) return loadKubeconfig(kubeconfigFlag, context);
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string first = env;
    first = first.substr(0, first.find(':'));
    return loadKubeconfig(first, context);
  }
  try {
    return inClusterAccess();
  } catch (const AccessError&) {
  }
  const char* home = std::getenv("HOME");
  fs::path fallback = fs::path(home ? home : "") / ".kube" / "config";
  if (!fs::exists(fallback)) throw AccessError("no cluster to talk to: give --kubeconfig, set KUBECONFIG, or run in a pod");
  return loadKubeconfig(fallback.string(), context);
}

}  // namespace moat::kube
