// auth-okta's configuration: an Okta org domain and authorization server id stand for the
// issuer, key and introspection URLs of Okta's documented layout; the rest is auth-oidc's.
#pragma once

#include "oauth/OidcSettings.h"

namespace moat::okta {

// {issuer}/v1/keys and {issuer}/v1/introspect for a custom authorization server
// (issuer https://DOMAIN/oauth2/ID); https://DOMAIN/oauth2/v1/... for the org server ("org").
oidc::OidcSettings readOktaSettings(const Host& host, const json::Value& config);

}  // namespace moat::okta
