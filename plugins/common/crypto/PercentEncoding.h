// Percent-encoding (RFC 3986 §2.1) as OAuth uses it: application/x-www-form-urlencoded bodies
// and query strings.
#pragma once

#include <string>
#include <string_view>

namespace moat::crypto {

// Every byte outside the unreserved set (ALPHA DIGIT - . _ ~) percent-encoded.
std::string formUrlEncode(std::string_view text);
// The inverse, with '+' as a space; a malformed escape is kept as it is.
std::string formUrlDecode(std::string_view text);

}  // namespace moat::crypto
