// A verification key imported from a JWK (RFC 7517/7518/8037) into OpenSSL, and the JWS
// signature check with it. Immutable once built; shared by every request thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "oauth/Algorithm.h"
#include "moat/json.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace moat::oidc {

class PublicKey {
 public:
  // Throws std::runtime_error saying why the JWK cannot be used (never echoing key material).
  static std::shared_ptr<const PublicKey> fromJwk(const json::Value& jwk);
  ~PublicKey();
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;

  const std::string& kid() const { return kid_; }
  // The JWK's own "alg", empty when it does not restrict itself to one.
  const std::string& declaredAlgorithm() const { return declaredAlg_; }
  // Whether this key's type and curve fit the algorithm (RSA for RS/PS, the matching curve for
  // ES, an Edwards curve for EdDSA) and its "alg", when set, names it.
  bool suits(Algorithm algorithm) const;
  bool verify(Algorithm algorithm, std::string_view signingInput, std::string_view signature) const;

 private:
  PublicKey() = default;
  EVP_PKEY* key_ = nullptr;
  std::string kid_;
  std::string kty_;
  std::string curve_;
  std::string declaredAlg_;
};

}  // namespace moat::oidc
