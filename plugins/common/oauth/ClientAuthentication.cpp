#include "oauth/ClientAuthentication.h"

#include "crypto/Base64.h"

namespace moat::oidc {

std::string basicAuthorization(std::string_view clientId, std::string_view clientSecret) {
  return "Basic " + crypto::base64Encode(crypto::formUrlEncode(clientId) + ":" + crypto::formUrlEncode(clientSecret));
}

}  // namespace moat::oidc
