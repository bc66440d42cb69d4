// Compact JWS tokens as an authenticator first sees them: split, base64url-decoded, header
// checked, claims parsed. A token that parses has what verification needs.
#include <cstdint>
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "oauth/JwtParser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  using moat::oidc::Algorithm;
  static const std::vector<Algorithm> every = {Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384,
                                               Algorithm::PS512, Algorithm::ES256, Algorithm::ES384, Algorithm::ES512, Algorithm::EdDSA};
  bool looks = moat::oidc::looksLikeJwt(token);
  std::string why;
  auto parsed = moat::oidc::parseJwt(token, every, why);
  if (parsed) {
    FUZZ_CHECK(looks, "a parsed token looks like a JWT");
    FUZZ_CHECK(token.size() <= moat::oidc::kMaxTokenBytes, "size bound");
    FUZZ_CHECK(parsed->claims.isObject(), "claims are an object");
    FUZZ_CHECK(!parsed->signature.empty(), "a signature is there to check");
    FUZZ_CHECK(token.substr(0, parsed->signingInput.size()) == parsed->signingInput, "the signing input is the token's front");
  } else {
    FUZZ_CHECK(!why.empty(), "a refusal says why");
  }
  return 0;
}
