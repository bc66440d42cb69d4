#include "Pkce.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "crypto/Base64.h"
#include "crypto/Sha256.h"

namespace moat::remoteauth {

std::string randomUrlSafe(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) throw std::runtime_error("no randomness (RAND_bytes)");
  return crypto::base64UrlEncode(raw);
}

std::string codeChallengeS256(const std::string& verifier) {
  return crypto::base64UrlEncode(crypto::sha256Once(verifier));
}

}  // namespace moat::remoteauth
