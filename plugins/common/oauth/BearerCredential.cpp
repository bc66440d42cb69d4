#include "oauth/BearerCredential.h"

#include <strings.h>

namespace moat::oidc {

BearerCredential parseBearerCredential(std::string_view value) {
  if (value.size() < 7 || ::strncasecmp(value.data(), "Bearer ", 7) != 0) return {std::nullopt, CredentialProblem::NotBearer};
  std::string_view token = value.substr(7);
  size_t first = token.find_first_not_of(' ');
  if (first == std::string_view::npos) return {std::nullopt, CredentialProblem::Malformed};
  token.remove_prefix(first);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.find(' ') != std::string_view::npos) return {std::nullopt, CredentialProblem::Malformed};
  return {std::string(token), CredentialProblem::Malformed};
}

}  // namespace moat::oidc
