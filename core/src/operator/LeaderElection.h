// One active operator among replicas, through a coordination.k8s.io Lease: the holder renews it,
// the others take it over once it has gone unrenewed for a whole lease duration. Expiry is judged
// by when this process last saw the lease change (as client-go does), never by comparing clocks.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "kube/KubeClient.h"

namespace moat::op {

class LeaderElection {
 public:
  LeaderElection(const kube::KubeClient& api, std::string ns, std::string name, std::string identity,
                 std::chrono::seconds leaseDuration = std::chrono::seconds(15));

  // Blocks until this process holds the lease (true) or `stop` is set (false).
  bool acquire(const std::atomic<bool>& stop);
  // Renews until the lease is lost (returns false) or `stop` is set (releases it, returns true).
  bool holdUntil(const std::atomic<bool>& stop);

 private:
  bool tryAcquireOrRenew();
  void release();

  const kube::KubeClient& api_;
  std::string ns_, name_, identity_;
  std::chrono::seconds leaseDuration_;
  std::string observedRecord_;
  std::chrono::steady_clock::time_point observedAt_;
};

}  // namespace moat::op
