// Reading a token endpoint's answer (RFC 6749 §5.1 and §5.2, RFC 8693 §2.2): the issued token
// and its expiry, or the OAuth error sorted into an ExchangeResult kind.
#pragma once

#include <cstdint>
#include <string_view>

#include "exchange/ExchangeResult.h"
#include "moat/plugin.hpp"

namespace moat::exchange {

// `endpoint` names the answering service in reasons ("token endpoint", "Google STS").
ExchangeResult readTokenResponse(const Host::HttpResponse& response, int64_t nowMs, std::string_view endpoint);

// The `exp` of a JWT, read without verifying it (only to know how long to cache a token the
// IdP issued without expires_in), or 0.
int64_t unverifiedJwtExpiryMs(std::string_view token);

// An error_description or message fit for a log line: bounded, printable ASCII only.
std::string sanitizedDescription(std::string_view text);

}  // namespace moat::exchange
