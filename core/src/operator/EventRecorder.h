// Kubernetes Events on the objects the operator acts on, so `kubectl describe` tells what it did
// and why it could not. An event that cannot be written is logged, never retried.
#pragma once

#include <string>

#include "kube/KubeClient.h"

namespace moat::op {

struct ObjectRef {
  std::string apiVersion, kind, ns, name, uid;
};

class EventRecorder {
 public:
  explicit EventRecorder(const kube::KubeClient& api) : api_(api) {}
  void normal(const ObjectRef& object, const std::string& reason, const std::string& message) const;
  void warning(const ObjectRef& object, const std::string& reason, const std::string& message) const;

 private:
  void record(const ObjectRef& object, const std::string& type, const std::string& reason, const std::string& message) const;
  const kube::KubeClient& api_;
};

}  // namespace moat::op
