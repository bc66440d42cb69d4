// RFC 8693 §3 token type identifiers, accepted in ToolHive's short forms as well.
#pragma once

#include <string>
#include <string_view>

namespace moat::exchange {

inline constexpr std::string_view kTokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
inline constexpr std::string_view kIdTokenType = "urn:ietf:params:oauth:token-type:id_token";
inline constexpr std::string_view kJwtType = "urn:ietf:params:oauth:token-type:jwt";

// "access_token", "id_token", "jwt", "refresh_token", "saml1", "saml2" or a full URN -> the URN.
// Throws std::runtime_error "<key>: ..." for anything else.
std::string tokenTypeUrn(std::string_view value, std::string_view key);

}  // namespace moat::exchange
