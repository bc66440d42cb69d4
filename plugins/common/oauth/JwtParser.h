// Splits a compact JWS (RFC 7515 §7.1) and checks its header before any key is looked up:
// bounded sizes, strict base64url, an accepted asymmetric algorithm, no extensions we do not
// understand. Key material named in the header itself (jwk, jku, x5u) is never used.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oauth/Algorithm.h"
#include "moat/json.hpp"

namespace moat::oidc {

inline constexpr size_t kMaxTokenBytes = 16 * 1024;
inline constexpr size_t kMaxHeaderBytes = 2 * 1024;

struct ParsedJwt {
  Algorithm algorithm = Algorithm::RS256;
  std::string kid;
  bool hasKid = false;
  std::string_view signingInput;  // header.payload, as received
  std::string signature;          // decoded
  json::Value claims;
};

// Three non-empty dot-separated segments: worth verifying as a JWT rather than introspecting.
bool looksLikeJwt(std::string_view token);

// The parsed token, or nullopt with the reason in `why`.
std::optional<ParsedJwt> parseJwt(std::string_view token, const std::vector<Algorithm>& accepted, std::string& why);

}  // namespace moat::oidc
