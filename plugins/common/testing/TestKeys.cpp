#include "testing/TestKeys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <vector>

#include "crypto/Base64.h"

namespace moat::oidc::testing {
namespace {

std::string bnParam(EVP_PKEY* key, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(key, name, &bn)) throw std::runtime_error(std::string("no parameter ") + name);
  std::vector<unsigned char> bytes(pad ? pad : BN_num_bytes(bn));
  BN_bn2binpad(bn, bytes.data(), static_cast<int>(bytes.size()));
  BN_free(bn);
  return crypto::base64UrlEncode(std::string(bytes.begin(), bytes.end()));
}

const EVP_MD* digestOf(std::string_view alg) {
  if (alg.substr(2) == "256") return EVP_sha256();
  if (alg.substr(2) == "384") return EVP_sha384();
  return EVP_sha512();
}

int fieldBytes(const std::string& curve) { return curve == "P-256" ? 32 : curve == "P-384" ? 48 : 66; }

}  // namespace

TestKey TestKey::rsa(std::string kid, int bits) {
  TestKey k;
  k.kid_ = std::move(kid);
  k.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  return k;
}

TestKey TestKey::ec(std::string kid, const char* curve) {
  TestKey k;
  k.kid_ = std::move(kid);
  k.curve_ = curve;
  const char* group = k.curve_ == "P-256" ? "P-256" : k.curve_ == "P-384" ? "P-384" : "P-521";
  k.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group);
  return k;
}

TestKey TestKey::ed25519(std::string kid) {
  TestKey k;
  k.kid_ = std::move(kid);
  k.curve_ = "Ed25519";
  k.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  return k;
}

TestKey::TestKey(TestKey&& other) noexcept : key_(other.key_), kid_(std::move(other.kid_)), curve_(std::move(other.curve_)) {
  other.key_ = nullptr;
}

TestKey::~TestKey() { EVP_PKEY_free(key_); }

std::string TestKey::jwk(std::string_view alg) const {
  std::string out = "{\"kid\":\"" + kid_ + "\",\"use\":\"sig\"";
  if (!alg.empty()) out += ",\"alg\":\"" + std::string(alg) + "\"";
  if (curve_.empty()) {
    out += ",\"kty\":\"RSA\",\"n\":\"" + bnParam(key_, OSSL_PKEY_PARAM_RSA_N) + "\",\"e\":\"" + bnParam(key_, OSSL_PKEY_PARAM_RSA_E) + "\"";
  } else if (curve_ == "Ed25519") {
    unsigned char raw[32];
    size_t len = sizeof raw;
    EVP_PKEY_get_raw_public_key(key_, raw, &len);
    out += ",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + crypto::base64UrlEncode(std::string(reinterpret_cast<char*>(raw), len)) + "\"";
  } else {
    int pad = fieldBytes(curve_);
    out += ",\"kty\":\"EC\",\"crv\":\"" + curve_ + "\",\"x\":\"" + bnParam(key_, OSSL_PKEY_PARAM_EC_PUB_X, pad) + "\",\"y\":\"" +
           bnParam(key_, OSSL_PKEY_PARAM_EC_PUB_Y, pad) + "\"";
  }
  return out + "}";
}

std::string TestKey::sign(std::string_view alg, std::string_view input) const {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* digest = alg == "EdDSA" ? nullptr : digestOf(alg);
  if (EVP_DigestSignInit(md, &pctx, digest, nullptr, key_) != 1) throw std::runtime_error("sign init");
  if (alg.substr(0, 2) == "PS") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(md, sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("sign");
  EVP_MD_CTX_free(md);
  sig.resize(len);
  if (alg.substr(0, 2) != "ES") return std::string(sig.begin(), sig.end());
  const unsigned char* p = sig.data();
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  int field = fieldBytes(curve_);
  std::vector<unsigned char> raw(2 * field);
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), raw.data(), field);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), raw.data() + field, field);
  ECDSA_SIG_free(ecdsa);
  return std::string(raw.begin(), raw.end());
}

std::string jwks(std::initializer_list<std::string> keys) {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const auto& k : keys) {
    out += (first ? "" : ",") + k;
    first = false;
  }
  return out + "]}";
}

std::string signedToken(const TestKey& key, std::string_view alg, std::string_view headerJson, std::string_view claimsJson) {
  std::string input = crypto::base64UrlEncode(headerJson) + "." + crypto::base64UrlEncode(claimsJson);
  return input + "." + crypto::base64UrlEncode(key.sign(alg, input));
}

std::string tokenWithSignature(std::string_view headerJson, std::string_view claimsJson, std::string_view signature) {
  return crypto::base64UrlEncode(headerJson) + "." + crypto::base64UrlEncode(claimsJson) + "." + crypto::base64UrlEncode(signature);
}

std::string hmacSha256(std::string_view secret, std::string_view input) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace moat::oidc::testing
