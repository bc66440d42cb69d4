#include "operator/LeaderElection.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>

#include <thread>

#include "log/Log.h"
#include "operator/ApiTypes.h"
#include "operator/JsonBuild.h"

namespace moat::op {
namespace {

using namespace build;

std::string microTime() { return Poco::DateTimeFormatter::format(Poco::DateTime(), "%Y-%m-%dT%H:%M:%S.%FZ"); }

}  // namespace

LeaderElection::LeaderElection(const kube::KubeClient& api, std::string ns, std::string name, std::string identity,
                               std::chrono::seconds leaseDuration)
    : api_(api), ns_(std::move(ns)), name_(std::move(name)), identity_(std::move(identity)), leaseDuration_(leaseDuration) {}

bool LeaderElection::tryAcquireOrRenew() {
  const std::string now = microTime();
  json::Value lease;
  try {
    lease = api_.get(kLeases.path(ns_, name_));
  } catch (const kube::ApiError& e) {
    if (e.status != 404) throw;
    try {
      api_.create(kLeases.path(ns_), object({{"apiVersion", str("coordination.k8s.io/v1")},
                                             {"kind", str("Lease")},
                                             {"metadata", build::object({{"name", str(name_)}, {"namespace", str(ns_)}})},
                                             {"spec", build::object({{"holderIdentity", str(identity_)},
                                                                     {"leaseDurationSeconds", num(static_cast<double>(leaseDuration_.count()))},
                                                                     {"acquireTime", str(now)},
                                                                     {"renewTime", str(now)},
                                                                     {"leaseTransitions", num(0)}})}}));
      return true;
    } catch (const kube::ApiError& conflict) {
      if (conflict.status == 409) return false;  // another replica created it first
      throw;
    }
  }
  json::Value& spec = lease.mutableMembers()["spec"];
  if (!spec.isObject()) spec = json::Value::makeObject();
  const std::string holder = spec.stringOr("holderIdentity", "");
  const std::string record = holder + "|" + spec.stringOr("renewTime", "");
  if (record != observedRecord_) {
    observedRecord_ = record;
    observedAt_ = std::chrono::steady_clock::now();
  }
  const bool expired = std::chrono::steady_clock::now() - observedAt_ > leaseDuration_;
  if (!holder.empty() && holder != identity_ && !expired) return false;
  auto& members = spec.mutableMembers();
  if (holder != identity_) {
    members["acquireTime"] = str(now);
    const json::Value* transitions = spec.find("leaseTransitions");
    members["leaseTransitions"] = num((transitions && transitions->type() == json::Value::Type::Number ? transitions->asNumber() : 0) + 1);
  }
  members["holderIdentity"] = str(identity_);
  members["leaseDurationSeconds"] = num(static_cast<double>(leaseDuration_.count()));
  members["renewTime"] = str(now);
  try {
    // The update carries the resourceVersion read above: of two replicas racing, one wins.
    api_.update(kLeases.path(ns_, name_), lease);
  } catch (const kube::ApiError& e) {
    if (e.status == 409) return false;
    throw;
  }
  return true;
}

bool LeaderElection::acquire(const std::atomic<bool>& stop) {
  bool announced = false;
  while (!stop) {
    try {
      if (tryAcquireOrRenew()) {
        log::info("operator", "became the leader", {{"lease", ns_ + "/" + name_}, {"identity", identity_}});
        return true;
      }
      if (!announced) log::info("operator", "waiting for the lease", {{"lease", ns_ + "/" + name_}, {"identity", identity_}});
      announced = true;
    } catch (const std::exception& e) {
      log::warn("operator", "cannot read the lease", {{"lease", ns_ + "/" + name_}, {"error", e.what()}});
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return false;
}

bool LeaderElection::holdUntil(const std::atomic<bool>& stop) {
  auto lastRenewal = std::chrono::steady_clock::now();
  // Renew well inside the duration; give up before another replica may take over.
  const auto renewDeadline = leaseDuration_ * 2 / 3;
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (std::chrono::steady_clock::now() - lastRenewal < leaseDuration_ / 5) continue;
    try {
      if (!tryAcquireOrRenew()) {
        log::error("operator", "lost the lease to another replica", {{"lease", ns_ + "/" + name_}});
        return false;
      }
      lastRenewal = std::chrono::steady_clock::now();
    } catch (const std::exception& e) {
      log::warn("operator", "cannot renew the lease", {{"lease", ns_ + "/" + name_}, {"error", e.what()}});
    }
    if (std::chrono::steady_clock::now() - lastRenewal > renewDeadline) {
      log::error("operator", "could not renew the lease in time; stepping down", {{"lease", ns_ + "/" + name_}});
      return false;
    }
  }
  release();
  return true;
}

void LeaderElection::release() {
  try {
    json::Value lease = api_.get(kLeases.path(ns_, name_));
    json::Value& spec = lease.mutableMembers()["spec"];
    if (spec.stringOr("holderIdentity", "") != identity_) return;
    // Emptied, so a waiting replica takes over at once instead of after a lease duration.
    spec.mutableMembers()["holderIdentity"] = str("");
    api_.update(kLeases.path(ns_, name_), lease);
  } catch (const std::exception& e) {
    log::warn("operator", "cannot release the lease", {{"lease", ns_ + "/" + name_}, {"error", e.what()}});
  }
}

}  // namespace moat::op
