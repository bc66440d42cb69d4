// The JWS algorithms a bearer token may be signed with. Only asymmetric ones exist here: the
// gateway holds public keys, so "none" and the HMAC family can never verify.
#pragma once

#include <optional>
#include <string_view>

namespace moat::oidc {

enum class Algorithm { RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA };

std::optional<Algorithm> algorithmNamed(std::string_view name);
std::string_view nameOf(Algorithm algorithm);

}  // namespace moat::oidc
