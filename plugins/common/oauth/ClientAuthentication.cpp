#include "ClientAuthentication.h"

#include <cctype>

#include "Base64Url.h"

namespace moat::oidc {

std::string formUrlEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string basicAuthorization(std::string_view clientId, std::string_view clientSecret) {
  return "Basic " + base64Encode(formUrlEncode(clientId) + ":" + formUrlEncode(clientSecret));
}

}  // namespace moat::oidc
