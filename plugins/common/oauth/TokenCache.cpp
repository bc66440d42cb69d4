#include "oauth/TokenCache.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace moat::oidc {

std::optional<Identity> TokenCache::find(const std::string& hash, int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = byHash_.find(hash);
  if (it == byHash_.end()) return std::nullopt;
  if (now >= it->second->validUntil) {
    order_.erase(it->second);
    byHash_.erase(it);
    return std::nullopt;
  }
  order_.splice(order_.begin(), order_, it->second);
  return it->second->identity;
}

void TokenCache::put(const std::string& hash, const Identity& identity, int64_t validUntil, int64_t nowSeconds) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (auto it = byHash_.find(hash); it != byHash_.end()) {
    order_.erase(it->second);
    byHash_.erase(it);
  }
  order_.push_front(Entry{hash, identity, validUntil});
  byHash_[hash] = order_.begin();
  // Tokens expire while they sit unused at the back: dropped there, an expired token costs
  // nothing until the cache is full (the soak showed them piling up towards capacity).
  while (byHash_.size() > capacity_ || order_.back().validUntil <= nowSeconds) {
    byHash_.erase(order_.back().hash);
    order_.pop_back();
    if (order_.empty()) break;
  }
}

size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return byHash_.size();
}

}  // namespace moat::oidc
