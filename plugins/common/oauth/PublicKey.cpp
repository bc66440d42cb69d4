#include "oauth/PublicKey.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include "crypto/Base64.h"

namespace moat::oidc {
namespace {

// RFC 7518 §3.3 asks for 2048 bits; smaller RSA keys are refused outright.
constexpr int kMinRsaBits = 2048;

std::string member(const json::Value& jwk, std::string_view name, bool required) {
  const json::Value* v = jwk.find(name);
  if (!v) {
    if (required) throw std::runtime_error("JWK lacks \"" + std::string(name) + "\"");
    return {};
  }
  if (!v->isString()) throw std::runtime_error("JWK member \"" + std::string(name) + "\" is not a string");
  return v->asString();
}

std::string decodedMember(const json::Value& jwk, std::string_view name) {
  auto bytes = crypto::base64UrlDecode(member(jwk, name, true));
  if (!bytes || bytes->empty()) throw std::runtime_error("JWK member \"" + std::string(name) + "\" is not base64url");
  return *bytes;
}

struct ParamBuilder {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  ~ParamBuilder() { OSSL_PARAM_BLD_free(bld); }
};
struct Params {
  OSSL_PARAM* params = nullptr;
  ~Params() { OSSL_PARAM_free(params); }
};
struct PkeyContext {
  EVP_PKEY_CTX* ctx = nullptr;
  ~PkeyContext() { EVP_PKEY_CTX_free(ctx); }
};
struct BigNum {
  BIGNUM* bn = nullptr;
  ~BigNum() { BN_free(bn); }
};

EVP_PKEY* fromParams(const char* type, OSSL_PARAM_BLD* bld) {
  Params params{OSSL_PARAM_BLD_to_param(bld)};
  PkeyContext ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
  EVP_PKEY* key = nullptr;
  if (!params.params || !ctx.ctx || EVP_PKEY_fromdata_init(ctx.ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx.ctx, &key, EVP_PKEY_PUBLIC_KEY, params.params) <= 0)
    return nullptr;
  return key;
}

EVP_PKEY* importRsa(const json::Value& jwk) {
  std::string n = decodedMember(jwk, "n"), e = decodedMember(jwk, "e");
  BigNum bn{BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr)};
  BigNum be{BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr)};
  if (!bn.bn || !be.bn) throw std::runtime_error("RSA JWK does not decode");
  if (BN_num_bits(bn.bn) < kMinRsaBits) throw std::runtime_error("RSA key is shorter than 2048 bits");
  ParamBuilder b;
  if (!b.bld || !OSSL_PARAM_BLD_push_BN(b.bld, OSSL_PKEY_PARAM_RSA_N, bn.bn) || !OSSL_PARAM_BLD_push_BN(b.bld, OSSL_PKEY_PARAM_RSA_E, be.bn))
    throw std::runtime_error("out of memory importing an RSA key");
  EVP_PKEY* key = fromParams("RSA", b.bld);
  if (!key) throw std::runtime_error("OpenSSL refused the RSA key");
  return key;
}

size_t curveFieldBytes(const std::string& crv) {
  if (crv == "P-256") return 32;
  if (crv == "P-384") return 48;
  if (crv == "P-521") return 66;
  return 0;
}

const char* curveGroupName(const std::string& crv) {
  if (crv == "P-256") return "prime256v1";
  if (crv == "P-384") return "secp384r1";
  return "secp521r1";
}

EVP_PKEY* importEc(const json::Value& jwk, const std::string& crv) {
  size_t field = curveFieldBytes(crv);
  if (!field) throw std::runtime_error("EC curve \"" + crv + "\" is not supported");
  std::string x = decodedMember(jwk, "x"), y = decodedMember(jwk, "y");
  if (x.size() != field || y.size() != field) throw std::runtime_error("EC JWK coordinates have the wrong length for " + crv);
  std::string point = "\x04" + x + y;
  ParamBuilder b;
  if (!b.bld || !OSSL_PARAM_BLD_push_utf8_string(b.bld, OSSL_PKEY_PARAM_GROUP_NAME, curveGroupName(crv), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(b.bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
    throw std::runtime_error("out of memory importing an EC key");
  EVP_PKEY* key = fromParams("EC", b.bld);
  if (!key) throw std::runtime_error("OpenSSL refused the EC key");
  PkeyContext check{EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr)};
  if (!check.ctx || EVP_PKEY_public_check(check.ctx) != 1) {
    EVP_PKEY_free(key);
    throw std::runtime_error("EC JWK is not a point on " + crv);
  }
  return key;
}

EVP_PKEY* importOkp(const json::Value& jwk, const std::string& crv) {
  int type = crv == "Ed25519" ? EVP_PKEY_ED25519 : crv == "Ed448" ? EVP_PKEY_ED448 : 0;
  if (!type) throw std::runtime_error("OKP curve \"" + crv + "\" is not a signature curve");
  std::string x = decodedMember(jwk, "x");
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(type, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size());
  if (!key) throw std::runtime_error("OpenSSL refused the " + crv + " key");
  return key;
}

const EVP_MD* digestFor(Algorithm a) {
  switch (a) {
    case Algorithm::RS256: case Algorithm::PS256: case Algorithm::ES256: return EVP_sha256();
    case Algorithm::RS384: case Algorithm::PS384: case Algorithm::ES384: return EVP_sha384();
    case Algorithm::RS512: case Algorithm::PS512: case Algorithm::ES512: return EVP_sha512();
    case Algorithm::EdDSA: return nullptr;
  }
  return nullptr;
}

bool isRsa(Algorithm a) { return a <= Algorithm::PS512; }
bool isPss(Algorithm a) { return a >= Algorithm::PS256 && a <= Algorithm::PS512; }
bool isEc(Algorithm a) { return a >= Algorithm::ES256 && a <= Algorithm::ES512; }

const char* curveOf(Algorithm a) {
  switch (a) {
    case Algorithm::ES256: return "P-256";
    case Algorithm::ES384: return "P-384";
    case Algorithm::ES512: return "P-521";
    default: return "";
  }
}

// JWS carries an ECDSA signature as r||s of fixed width; OpenSSL verifies the DER form.
std::string ecdsaRawToDer(std::string_view raw, size_t field) {
  if (raw.size() != 2 * field) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(field), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + field), static_cast<int>(field), nullptr);
  std::string der;
  if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
    r = s = nullptr;  // owned by sig now
    unsigned char* out = nullptr;
    int len = i2d_ECDSA_SIG(sig, &out);
    if (len > 0) der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return der;
}

}  // namespace

std::shared_ptr<const PublicKey> PublicKey::fromJwk(const json::Value& jwk) {
  if (!jwk.isObject()) throw std::runtime_error("JWK is not an object");
  std::shared_ptr<PublicKey> key(new PublicKey());
  key->kty_ = member(jwk, "kty", true);
  key->kid_ = member(jwk, "kid", false);
  key->declaredAlg_ = member(jwk, "alg", false);
  std::string use = member(jwk, "use", false);
  if (!use.empty() && use != "sig") throw std::runtime_error("JWK is for \"" + use + "\", not signatures");
  if (jwk.find("d") || jwk.find("k")) throw std::runtime_error("JWK holds private or symmetric key material; refusing it");
  if (key->kty_ == "RSA") {
    key->key_ = importRsa(jwk);
  } else if (key->kty_ == "EC") {
    key->curve_ = member(jwk, "crv", true);
    key->key_ = importEc(jwk, key->curve_);
  } else if (key->kty_ == "OKP") {
    key->curve_ = member(jwk, "crv", true);
    key->key_ = importOkp(jwk, key->curve_);
  } else {
    throw std::runtime_error("JWK key type \"" + key->kty_ + "\" is not supported");
  }
  return key;
}

PublicKey::~PublicKey() { EVP_PKEY_free(key_); }

bool PublicKey::suits(Algorithm algorithm) const {
  if (!declaredAlg_.empty() && declaredAlg_ != nameOf(algorithm)) return false;
  if (isRsa(algorithm)) return kty_ == "RSA";
  if (isEc(algorithm)) return kty_ == "EC" && curve_ == curveOf(algorithm);
  return kty_ == "OKP";
}

bool PublicKey::verify(Algorithm algorithm, std::string_view signingInput, std::string_view signature) const {
  if (!suits(algorithm)) return false;
  std::string der;
  if (isEc(algorithm)) {
    der = ecdsaRawToDer(signature, curveFieldBytes(curve_));
    if (der.empty()) return false;
    signature = der;
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  if (!md) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(md, &pctx, digestFor(algorithm), nullptr, key_) == 1;
  if (ok && isPss(algorithm))
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
  ok = ok && EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                              reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

}  // namespace moat::oidc
