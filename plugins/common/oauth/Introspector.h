// RFC 7662 token introspection for opaque tokens: the authorization server says whether the
// token is active and what it carries; the answer then passes the same claim checks as a JWT.
#pragma once

#include <cstdint>
#include <string>

#include "oauth/ClaimsPolicy.h"
#include "oauth/Verdict.h"
#include "moat/plugin.hpp"

namespace moat::oidc {

struct IntrospectionSettings {
  std::string url;
  std::string clientId;
  std::string clientSecret;  // empty: the client authenticates with its id alone (public client)
  uint32_t timeoutMs = 5'000;
};

class Introspector {
 public:
  Introspector(Host host, IntrospectionSettings settings) : host_(host), settings_(std::move(settings)) {}
  const std::string& url() const { return settings_.url; }

  // Rejected for an inactive token or one failing the policy; Unavailable when the endpoint
  // cannot answer (unreachable, an error status, our own credentials refused).
  Verdict introspect(const std::string& token, const ClaimsPolicy& policy, const std::string& resourceUrl) const;

 private:
  Host host_;
  IntrospectionSettings settings_;
};

}  // namespace moat::oidc
