#include "oauth/OidcSettings.h"

#include <set>
#include <stdexcept>

#include "oauth/Discovery.h"
#include "moat/settings.hpp"

namespace moat::oidc {
namespace {

const std::set<std::string> kKnownKeys{
    "issuer", "audience", "jwks_url", "introspection_url", "client_id", "client_secret", "client_secret_file",
    "client_secret_env", "scopes", "method_scopes", "scopes_supported", "algorithms", "leeway", "subject_claim",
    "jwks_refetch_interval", "jwks_max_age", "http_timeout", "token_cache_size",
    "introspection_cache_max_ttl", "discovery", "groups_claim"};

}  // namespace

OidcSettings readOidcSettings(const Host& host, const json::Value& config) {
  settings::checkKeys(config, kKnownKeys, host.instanceName());
  OidcSettings s;
  s.claims.issuer = settings::text(config, "issuer");
  if (s.claims.issuer.empty()) settings::fail("issuer", "required (the IdP's issuer URL, exactly as its tokens name it)");
  requireSecureUrl(s.claims.issuer, "issuer");
  s.claims.audiences = settings::list(config, "audience");
  s.claims.leewaySeconds = settings::durationMs(config, "leeway", 60'000) / 1000;
  s.claims.subjectClaim = settings::text(config, "subject_claim");
  if (s.claims.subjectClaim.empty()) s.claims.subjectClaim = "sub";
  s.claims.groupsClaim = settings::text(config, "groups_claim");
  if (s.claims.groupsClaim.empty()) s.claims.groupsClaim = "groups";

  s.jwksUrl = settings::text(config, "jwks_url");
  if (!s.jwksUrl.empty()) requireSecureUrl(s.jwksUrl, "jwks_url");
  s.introspectionUrl = settings::text(config, "introspection_url");
  if (!s.introspectionUrl.empty()) requireSecureUrl(s.introspectionUrl, "introspection_url");
  s.clientId = settings::text(config, "client_id");
  s.clientSecret = settings::secret(host, config, "client_secret");
  if (!s.introspectionUrl.empty() && s.clientId.empty()) settings::fail("client_id", "required with introspection_url");
  s.discover = settings::flag(config, "discovery", true);
  if (!s.discover && s.jwksUrl.empty()) settings::fail("jwks_url", "required when discovery is off");

  s.algorithms.clear();
  for (const auto& name : settings::list(config, "algorithms")) {
    auto algorithm = algorithmNamed(name);
    if (!algorithm) settings::fail("algorithms", "\"" + name + "\" is not one of RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA");
    s.algorithms.push_back(*algorithm);
  }
  if (s.algorithms.empty())
    for (auto a : {Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512,
                   Algorithm::ES256, Algorithm::ES384, Algorithm::ES512, Algorithm::EdDSA})
      s.algorithms.push_back(a);

  s.requiredScopes = settings::list(config, "scopes");
  if (const json::Value* methods = config.find("method_scopes"); methods && !methods->isNull()) {
    if (!methods->isObject()) settings::fail("method_scopes", "expected a mapping from JSON-RPC method to scopes");
    for (const auto& [method, scopes] : methods->members()) s.methodScopes[method] = settings::list(*methods, method);
  }
  s.scopesSupported = settings::list(config, "scopes_supported");
  if (s.scopesSupported.empty()) {
    std::set<std::string> all(s.requiredScopes.begin(), s.requiredScopes.end());
    for (const auto& [method, scopes] : s.methodScopes) all.insert(scopes.begin(), scopes.end());
    s.scopesSupported.assign(all.begin(), all.end());
  }
  s.jwks.refetchIntervalMs = settings::durationMs(config, "jwks_refetch_interval", s.jwks.refetchIntervalMs);
  s.jwks.maxAgeMs = settings::durationMs(config, "jwks_max_age", s.jwks.maxAgeMs);
  s.jwks.timeoutMs = static_cast<uint32_t>(settings::durationMs(config, "http_timeout", s.jwks.timeoutMs));
  s.tokenCacheSize = settings::count(config, "token_cache_size", s.tokenCacheSize);
  s.introspectionCacheMaxSeconds = settings::durationMs(config, "introspection_cache_max_ttl", 0) / 1000;
  return s;
}

}  // namespace moat::oidc
