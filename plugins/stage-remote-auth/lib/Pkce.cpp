#include "Pkce.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "Base64Url.h"

namespace moat::remoteauth {

std::string randomUrlSafe(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) throw std::runtime_error("no randomness (RAND_bytes)");
  return oidc::base64UrlEncode(raw);
}

std::string codeChallengeS256(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return oidc::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace moat::remoteauth
