// The issuer's signing keys, fetched lazily and kept. A token naming an unknown kid triggers a
// refetch (key rotation) at most once per refetch interval, so a flood of forged kids costs the
// IdP one request. When the IdP is unreachable the keys already held keep working; with no keys
// at all, lookups say "unavailable" and the caller fails closed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "oauth/KeySet.h"
#include "moat/plugin.hpp"

namespace moat::oidc {

struct JwksSettings {
  int64_t refetchIntervalMs = 10'000;  // least time between two fetches, whatever the reason
  int64_t maxAgeMs = 10 * 60'000;      // keys older than this are refreshed on the next lookup
  uint32_t timeoutMs = 5'000;
};

class JwksCache {
 public:
  // `resolveUrl` returns the JWKS URL, or "" with a reason (discovery may still be failing).
  JwksCache(Host host, std::function<std::string(std::string& why)> resolveUrl, JwksSettings settings);

  struct Lookup {
    std::shared_ptr<const KeySet> keys;  // keeps `key` alive
    const PublicKey* key = nullptr;
    bool unavailable = false;
    std::string reason;  // why there is no key
  };
  Lookup find(const std::string& kid, bool hasKid, Algorithm algorithm);

  uint64_t fetchCount() const;
  // Whether keys are held; without, one fetch is tried (at most once per refetch interval)
  // and `why` says what failed.
  bool ready(std::string& why);

 private:
  std::shared_ptr<const KeySet> snapshot(int64_t& fetchedAtMs, int64_t& attemptedAtMs) const;
  void fetch();

  Host host_;
  std::function<std::string(std::string&)> resolveUrl_;
  JwksSettings settings_;
  std::mutex fetchMutex_;  // one fetch at a time
  mutable std::mutex stateMutex_;
  std::shared_ptr<const KeySet> keys_;
  int64_t fetchedAtMs_ = 0;
  int64_t attemptedAtMs_ = 0;
  bool attempted_ = false;
  std::string lastFailure_;
  uint64_t fetches_ = 0;
};

}  // namespace moat::oidc
