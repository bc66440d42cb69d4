// auth-okta: Okta access tokens, from a domain and an authorization server id.
#include "oauth/OidcAuthenticator.h"
#include "OktaSettings.h"

namespace {

class AuthOkta : public moat::oidc::OidcAuthenticator {
 public:
  AuthOkta(const moat::Host& host, const moat::json::Value& config)
      : OidcAuthenticator(host, moat::okta::readOktaSettings(host, config)) {}
};

}  // namespace

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHENTICATOR, "auth-okta", "1.0.0",
                   "validates Okta access tokens (keys from /v1/keys, opaque tokens through /v1/introspect)", AuthOkta)
