// Keys made fresh for each test run with OpenSSL, published as JWKs and used to sign tokens
// the way an IdP would — including the ways a hostile client would.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace moat::oidc::testing {

class TestKey {
 public:
  static TestKey rsa(std::string kid, int bits = 2048);
  static TestKey ec(std::string kid, const char* curve);  // "P-256", "P-384", "P-521"
  static TestKey ed25519(std::string kid);
  TestKey(TestKey&& other) noexcept;
  ~TestKey();

  const std::string& kid() const { return kid_; }
  // The public JWK, with "alg" when given.
  std::string jwk(std::string_view alg = {}) const;
  // A JWS signature over `input` for the algorithm name (raw r||s for ECDSA).
  std::string sign(std::string_view alg, std::string_view input) const;

 private:
  TestKey() = default;
  EVP_PKEY* key_ = nullptr;
  std::string kid_;
  std::string curve_;
};

std::string jwks(std::initializer_list<std::string> jwks);

// header and claims are JSON objects; the token is signed with `key` under `alg`.
std::string signedToken(const TestKey& key, std::string_view alg, std::string_view headerJson, std::string_view claimsJson);
// A token whose header and claims are as given and whose signature is `signature` (raw bytes).
std::string tokenWithSignature(std::string_view headerJson, std::string_view claimsJson, std::string_view signature);
// HMAC-SHA256 over input with `secret`, for the "HS256 signed with the public key" attack.
std::string hmacSha256(std::string_view secret, std::string_view input);

}  // namespace moat::oidc::testing
