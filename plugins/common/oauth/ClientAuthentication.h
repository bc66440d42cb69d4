// How the gateway authenticates itself to an authorization server's endpoints (token,
// introspection): RFC 6749 §2.3.1 form encoding and HTTP Basic credentials.
#pragma once

#include <string>
#include <string_view>

#include "crypto/PercentEncoding.h"

namespace moat::oidc {

// "Basic ..." for client_secret_basic: each part is form-encoded before joining and base64
// (RFC 6749 §2.3.1), so a secret holding ':' or '%' survives.
std::string basicAuthorization(std::string_view clientId, std::string_view clientSecret);

}  // namespace moat::oidc
