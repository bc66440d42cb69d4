// base64url without padding (RFC 7515 §2), strict: a JWT segment with any other character, a
// padding character or a stray trailing bit is malformed, not "probably fine".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::crypto {

std::optional<std::string> base64UrlDecode(std::string_view text);
std::string base64UrlEncode(std::string_view bytes);
// Standard base64 with padding, for HTTP Basic credentials.
std::string base64Encode(std::string_view bytes);

}  // namespace moat::crypto
