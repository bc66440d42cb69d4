// auth-oidc: bearer tokens from any OpenID Connect / OAuth 2 authorization server.
#include "oauth/OidcAuthenticator.h"

namespace {

class AuthOidc : public moat::oidc::OidcAuthenticator {
 public:
  AuthOidc(const moat::Host& host, const moat::json::Value& config)
      : OidcAuthenticator(host, moat::oidc::readOidcSettings(host, config)) {}
};

}  // namespace

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHENTICATOR, "auth-oidc", "1.0.0",
                   "validates bearer tokens from an OIDC/OAuth issuer (JWT with JWKS, or RFC 7662 introspection)", AuthOidc)
