// The token in an Authorization header value, as RFC 6750 §2.1 frames it: the scheme "Bearer"
// (any case), spaces, then one token68 with no spaces inside.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::oidc {

enum class CredentialProblem { NotBearer, Malformed };

struct BearerCredential {
  std::optional<std::string> token;
  CredentialProblem problem = CredentialProblem::Malformed;  // when there is no token
};

BearerCredential parseBearerCredential(std::string_view authorization);

}  // namespace moat::oidc
