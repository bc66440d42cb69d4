// Accepted tokens by the SHA-256 of their text, so a signature is verified (or an
// introspection call made) once per token rather than once per request. Bounded, LRU-evicted;
// the token itself is never stored.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "oauth/Verdict.h"

namespace moat::oidc {

class TokenCache {
 public:
  explicit TokenCache(size_t capacity) : capacity_(capacity) {}

  // The identity cached for this token hash, if it is still before `validUntil`.
  std::optional<Identity> find(const std::string& hash, int64_t nowSeconds);
  // Also drops the least recently used entries that have expired by `nowSeconds`.
  void put(const std::string& hash, const Identity& identity, int64_t validUntil, int64_t nowSeconds);
  size_t size() const;

 private:
  struct Entry {
    std::string hash;
    Identity identity;
    int64_t validUntil;
  };
  size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> byHash_;
};

}  // namespace moat::oidc
