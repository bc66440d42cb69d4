// Brings one MCPServer's (or MCPRemoteProxy's) objects in line with its spec and reports how that went in its status.
// Safe to run any number of times: every write is a server-side apply of the whole object.
#pragma once

#include <string>

#include "kube/KubeClient.h"
#include "operator/EventRecorder.h"

namespace moat::op {

class ServerReconciler {
 public:
  ServerReconciler(const kube::KubeClient& api, const EventRecorder& events, std::string gatewayImage)
      : api_(api), events_(events), gatewayImage_(std::move(gatewayImage)) {}

  // Throws kube::ApiError or kube::TransportError when the API refused or could not be reached
  // (the caller retries with backoff); what it can report, it reports in the status first.
  // `remote`: an MCPRemoteProxy, else an MCPServer.
  void reconcile(bool remote, const std::string& ns, const std::string& name) const;

  // After reconcile threw: says so in the MCPServer's Ready condition and an event (once per
  // distinct failure), so an RBAC gap shows in `kubectl describe`, not only in the operator's log.
  void reportFailure(bool remote, const std::string& ns, const std::string& name, const std::string& reason,
                     const std::string& message) const;

 private:
  const kube::KubeClient& api_;
  const EventRecorder& events_;
  std::string gatewayImage_;
};

}  // namespace moat::op
