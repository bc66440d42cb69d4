// RFC 7636 PKCE with S256, and the random `state` of the authorization request.
#pragma once

#include <string>

namespace moat::remoteauth {

std::string randomUrlSafe(size_t bytes);  // base64url of `bytes` random bytes (OpenSSL's RNG)
std::string codeChallengeS256(const std::string& verifier);

}  // namespace moat::remoteauth
