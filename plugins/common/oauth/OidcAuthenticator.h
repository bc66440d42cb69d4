// The bearer-token authenticator: JWTs verified locally against the issuer's keys, opaque
// tokens introspected, both cached by hash; failures answered with RFC 6750 challenges that
// point at the RFC 9728 metadata. auth-okta is this class with Okta's URLs and claims.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "oauth/Discovery.h"
#include "oauth/JwksCache.h"
#include "oauth/Introspector.h"
#include "oauth/OidcSettings.h"
#include "oauth/TokenCache.h"
#include "moat/plugin.hpp"

namespace moat::oidc {

class OidcAuthenticator : public Filter {
 public:
  OidcAuthenticator(const Host& host, OidcSettings settings);

  Status onRequest(Request& request) override;
  std::string resourceMetadata() const override;
  // Ready when the IdP's signing keys are held, or, for an IdP without a JWKS, when tokens can
  // be introspected instead.
  bool ready(std::string& why) override;

  // Validates a bearer token for a request to `resourceUrl`, through the caches.
  Verdict check(const std::string& token, const std::string& resourceUrl);

 private:
  Verdict checkJwt(const std::string& token, const std::string& resourceUrl);
  std::optional<ServerMetadata> metadata(std::string& why);
  std::string jwksUrl(std::string& why);
  std::optional<Introspector> introspector(std::string& why);
  std::vector<std::string> scopesFor(std::string_view rpcMethod) const;

  Host host_;
  OidcSettings settings_;
  JwksCache jwks_;
  TokenCache jwtCache_;
  TokenCache introspectionCache_;

  std::mutex discoveryMutex_;
  std::optional<ServerMetadata> metadata_;
  int64_t discoveryAttemptMs_ = 0;
  bool discoveryAttempted_ = false;
  std::string discoveryFailure_;
};

}  // namespace moat::oidc
