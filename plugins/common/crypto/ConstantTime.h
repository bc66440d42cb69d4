// Comparing secrets without leaking, through timing, how much of them matched.
#pragma once

#include <openssl/crypto.h>

#include <string_view>

namespace moat::crypto {

// Equal lengths are compared in time independent of the contents; lengths are not secret.
inline bool constantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace moat::crypto
