#include "TokenCache.h"

#include <openssl/sha.h>

namespace moat::oidc {

std::string sha256(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

std::string tokenFingerprint(std::string_view token) {
  static const char* hex = "0123456789abcdef";
  std::string digest = sha256(token), out;
  for (size_t i = 0; i < 6; ++i) {
    out += hex[(static_cast<unsigned char>(digest[i]) >> 4) & 0xF];
    out += hex[static_cast<unsigned char>(digest[i]) & 0xF];
  }
  return out;
}

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

void TokenCache::put(const std::string& hash, const Identity& identity, int64_t validUntil) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (auto it = byHash_.find(hash); it != byHash_.end()) {
    order_.erase(it->second);
    byHash_.erase(it);
  }
  order_.push_front(Entry{hash, identity, validUntil});
  byHash_[hash] = order_.begin();
  while (byHash_.size() > capacity_) {
    byHash_.erase(order_.back().hash);
    order_.pop_back();
  }
}

size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return byHash_.size();
}

}  // namespace moat::oidc
