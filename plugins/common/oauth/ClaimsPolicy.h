// The checks every accepted token passes, whether it was a JWT verified here or an opaque
// token the authorization server introspected: issuer, audience, time window, subject.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "oauth/Verdict.h"
#include "moat/json.hpp"

namespace moat::oidc {

struct ClaimsPolicy {
  std::string issuer;
  // The token's aud must name one of these. Empty: the resource URL of the request (RFC 8707),
  // so an audience is always checked.
  std::vector<std::string> audiences;
  int64_t leewaySeconds = 60;
  std::string subjectClaim = "sub";
  // Where the IdP puts group membership; copied to "groups" for later stages when elsewhere.
  std::string groupsClaim = "groups";
  // Introspection answers may leave out claims a JWT must carry; they still may not contradict.
  bool requireExp = true;
  bool requireIss = true;
};

// Accepts `claims` (a JSON object) or says why not. `resourceUrl` stands in for an empty
// audience list.
Verdict checkClaims(const json::Value& claims, const ClaimsPolicy& policy, const std::string& resourceUrl, int64_t nowSeconds);

// Scopes from "scope" (space-separated, RFC 8693/9068) or "scp" (array or string, Okta/Azure).
std::vector<std::string> scopesOf(const json::Value& claims);
std::vector<std::string> audiencesOf(const json::Value& claims);

// The scopes in `required` that `granted` lacks.
std::vector<std::string> missingScopes(const std::vector<std::string>& required, const std::vector<std::string>& granted);

}  // namespace moat::oidc
