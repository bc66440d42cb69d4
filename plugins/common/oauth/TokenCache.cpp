#include "TokenCache.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace moat::oidc {

std::string sha256(std::string_view text) {
  // Fetched once, and one context per thread: OpenSSL 3's one-shot SHA256() looks the algorithm
  // up in the provider store and allocates a context on every call, which cost twice the
  // hashing of a bearer token itself.
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!algorithm || !context || EVP_DigestInit_ex(context.get(), algorithm, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), text.data(), text.size()) != 1 || EVP_DigestFinal_ex(context.get(), digest, &length) != 1)
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  return std::string(reinterpret_cast<char*>(digest), length);
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
