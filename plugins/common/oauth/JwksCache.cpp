#include "oauth/JwksCache.h"

#include <vector>

namespace moat::oidc {

JwksCache::JwksCache(Host host, std::function<std::string(std::string&)> resolveUrl, JwksSettings settings)
    : host_(host), resolveUrl_(std::move(resolveUrl)), settings_(settings) {}

std::shared_ptr<const KeySet> JwksCache::snapshot(int64_t& fetchedAtMs, int64_t& attemptedAtMs) const {
  std::lock_guard lock(stateMutex_);
  fetchedAtMs = fetchedAtMs_;
  attemptedAtMs = attempted_ ? attemptedAtMs_ : INT64_MIN / 2;
  return keys_;
}

uint64_t JwksCache::fetchCount() const {
  std::lock_guard lock(stateMutex_);
  return fetches_;
}

void JwksCache::fetch() {
  std::string why;
  std::string url = resolveUrl_(why);
  std::shared_ptr<const KeySet> fresh;
  if (!url.empty()) {
    try {
      Host::HttpResponse response =
          host_.fetch("GET", url, {{"Accept", "application/jwk-set+json, application/json"}}, {}, settings_.timeoutMs);
      if (response.status != 200) throw std::runtime_error("HTTP " + std::to_string(response.status) + " from " + url);
      std::vector<std::string> skipped;
      auto set = std::make_shared<const KeySet>(KeySet::parse(response.body, &skipped));
      for (const auto& reason : skipped) host_.debug("JWKS key skipped: " + reason);
      if (set->size() == 0) throw std::runtime_error(url + " holds no usable signing key");
      fresh = std::move(set);
    } catch (const std::exception& e) {
      why = std::string("cannot fetch signing keys: ") + e.what();
    }
  }
  int64_t now = host_.monotonicMs();
  std::lock_guard lock(stateMutex_);
  attempted_ = true;
  attemptedAtMs_ = now;
  ++fetches_;
  host_.count("jwks_fetches");
  if (fresh) {
    keys_ = std::move(fresh);
    fetchedAtMs_ = now;
    lastFailure_.clear();
    host_.info("fetched " + std::to_string(keys_->size()) + " signing keys");
  } else {
    lastFailure_ = why;
    host_.count("jwks_fetch_failures");
    host_.warn(keys_ ? why + "; keeping the keys already held" : why);
  }
}

bool JwksCache::ready(std::string& why) {
  int64_t fetchedAt = 0, attemptedAt = 0;
  if (snapshot(fetchedAt, attemptedAt)) return true;
  {
    std::lock_guard fetching(fetchMutex_);
    snapshot(fetchedAt, attemptedAt);
    if (host_.monotonicMs() - attemptedAt >= settings_.refetchIntervalMs) fetch();
  }
  if (snapshot(fetchedAt, attemptedAt)) return true;
  std::lock_guard lock(stateMutex_);
  why = lastFailure_.empty() ? "the IdP's signing keys are not fetched yet" : lastFailure_;
  return false;
}

JwksCache::Lookup JwksCache::find(const std::string& kid, bool hasKid, Algorithm algorithm) {
  int64_t fetchedAt = 0, attemptedAt = 0;
  auto keys = snapshot(fetchedAt, attemptedAt);
  int64_t now = host_.monotonicMs();
  const PublicKey* key = keys ? keys->select(kid, hasKid, algorithm) : nullptr;
  bool stale = keys && now - fetchedAt >= settings_.maxAgeMs;
  bool unknownKid = keys && !key && hasKid && !keys->hasKid(kid);
  if ((!keys || stale || unknownKid) && now - attemptedAt >= settings_.refetchIntervalMs) {
    std::lock_guard fetching(fetchMutex_);
    // Another thread may have fetched while this one waited.
    snapshot(fetchedAt, attemptedAt);
    if (host_.monotonicMs() - attemptedAt >= settings_.refetchIntervalMs) fetch();
    keys = snapshot(fetchedAt, attemptedAt);
    key = keys ? keys->select(kid, hasKid, algorithm) : nullptr;
  }
  Lookup lookup;
  lookup.keys = keys;
  lookup.key = key;
  if (key) return lookup;
  if (!keys) {
    std::lock_guard lock(stateMutex_);
    lookup.unavailable = true;
    lookup.reason = lastFailure_.empty() ? "signing keys are not available yet" : lastFailure_;
  } else if (hasKid && !keys->hasKid(kid)) {
    lookup.reason = "token is signed with an unknown key";
  } else if (hasKid) {
    lookup.reason = "token's key does not match its algorithm";
  } else {
    lookup.reason = "token names no key and the issuer has several (or none) for its algorithm";
  }
  return lookup;
}

}  // namespace moat::oidc
