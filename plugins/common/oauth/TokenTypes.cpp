#include "oauth/TokenTypes.h"

#include <stdexcept>

namespace moat::exchange {

std::string tokenTypeUrn(std::string_view value, std::string_view key) {
  static constexpr std::string_view prefix = "urn:ietf:params:oauth:token-type:";
  static constexpr std::string_view known[] = {"access_token", "id_token", "jwt", "refresh_token", "saml1", "saml2"};
  std::string_view name = value.substr(0, prefix.size()) == prefix ? value.substr(prefix.size()) : value;
  for (std::string_view k : known)
    if (name == k) return std::string(prefix) + std::string(k);
  throw std::runtime_error(std::string(key) + ": \"" + std::string(value) +
                           "\" is not a token type (access_token, id_token, jwt, refresh_token, saml1, saml2 or the full URN)");
}

}  // namespace moat::exchange
