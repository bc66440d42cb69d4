// The operator's loop: list and watch MCPServers, MCPRemoteProxies, MCPExternalAuthConfigs,
// Secrets and the Deployments, Services and ConfigMaps it made, turn every change into the key of the resource it concerns, and
// reconcile keys one at a time with backoff on failure and a periodic full resync.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "kube/KubeClient.h"
#include "operator/EventRecorder.h"
#include "operator/ServerReconciler.h"
#include "operator/WorkQueue.h"

namespace moat::op {

struct ControllerOptions {
  std::string ns;  // empty: every namespace
  std::string gatewayImage;
  std::chrono::seconds resync{600};
};

class Controller {
 public:
  Controller(const kube::KubeClient& api, ControllerOptions options);
  // Starts the watches and the worker; returns once `stop` is set (threads are left to the
  // process's exit: a watch may be blocked in a read until its server-side timeout).
  void run(const std::atomic<bool>& stop);

 private:
  // Lists `type`, then watches it from there. `onList`, when given, replaces one onChange per
  // listed object.
  void watchLoop(const kube::ResourceType& type, const std::string& labelSelector,
                 const std::function<void(const json::Value& object)>& onChange, const std::atomic<bool>& stop,
                 const std::function<void()>& onList = {});
  static std::string keyOf(bool remote, const std::string& ns, const std::string& name);
  void enqueueReferencing(const std::string& ns, const std::string& kind, const std::string& name);
  void work(const std::atomic<bool>& stop);

  const kube::KubeClient& api_;
  ControllerOptions options_;
  EventRecorder events_;
  ServerReconciler reconciler_;
  WorkQueue queue_;
};

}  // namespace moat::op
