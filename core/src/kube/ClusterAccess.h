// How moat reaches a Kubernetes API server: the address, the CA that signs its certificate and
// the credentials it accepts, read from a kubeconfig file or from the pod's service account.
#pragma once

#include <stdexcept>
#include <string>

namespace moat::kube {

struct ClusterAccess {
  std::string server;         // https://host:port
  std::string caPem;          // empty: the system CA store
  std::string token;          // bearer token, or empty
  std::string tokenFile;      // re-read on each connection (projected tokens rotate)
  std::string clientCertPem;  // client certificate authentication, with clientKeyPem
  std::string clientKeyPem;
  std::string defaultNamespace = "default";
};

struct AccessError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The kubeconfig's context (its current-context when `context` is empty). Certificates and keys
// may be inline (*-data) or files relative to the kubeconfig. Exec and auth-provider plugins are
// refused with a clear message rather than half supported.
ClusterAccess loadKubeconfig(const std::string& path, const std::string& context = "");

// Inside a pod: KUBERNETES_SERVICE_HOST/PORT and the mounted service account token, CA and
// namespace. Throws AccessError when not in a pod.
ClusterAccess inClusterAccess();

// --kubeconfig when given, else $KUBECONFIG, else in-cluster, else ~/.kube/config.
ClusterAccess resolveAccess(const std::string& kubeconfigFlag, const std::string& context);

}  // namespace moat::kube
