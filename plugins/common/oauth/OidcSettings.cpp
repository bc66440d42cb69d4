#include "OidcSettings.h"

#include <set>
#include <stdexcept>

#include "Discovery.h"
#include "SettingsReader.h"

namespace moat::oidc {
namespace {

const std::set<std::string> kKnownKeys{
    "issuer", "audience", "jwks_url", "introspection_url", "client_id", "client_secret", "client_secret_file",
    "client_secret_env", "scopes", "method_scopes", "scopes_supported", "algorithms", "leeway", "subject_claim",
    "jwks_refetch_interval", "jwks_max_age", "http_timeout", "token_cache_size",
    "introspection_cache_max_ttl", "discovery", "groups_claim"};

}  // namespace

OidcSettings readOidcSettings(const Host& host, const json::Value& config) {
  if (!config.isObject()) throw std::runtime_error("configuration must be a mapping");
  rejectUnknownKeys(config, kKnownKeys);
  OidcSettings s;
  s.claims.issuer = textSetting(config, "issuer");
  if (s.claims.issuer.empty()) badSetting("issuer", "required (the IdP's issuer URL, exactly as its tokens name it)");
  requireSecureUrl(s.claims.issuer, "issuer");
  s.claims.audiences = stringList(config, "audience");
  s.claims.leewaySeconds = durationMs(config, "leeway", 60'000) / 1000;
  s.claims.subjectClaim = textSetting(config, "subject_claim");
  if (s.claims.subjectClaim.empty()) s.claims.subjectClaim = "sub";
  s.claims.groupsClaim = textSetting(config, "groups_claim");
  if (s.claims.groupsClaim.empty()) s.claims.groupsClaim = "groups";

  s.jwksUrl = textSetting(config, "jwks_url");
  if (!s.jwksUrl.empty()) requireSecureUrl(s.jwksUrl, "jwks_url");
  s.introspectionUrl = textSetting(config, "introspection_url");
  if (!s.introspectionUrl.empty()) requireSecureUrl(s.introspectionUrl, "introspection_url");
  s.clientId = textSetting(config, "client_id");
  s.clientSecret = secretSetting(host, config, "client_secret");
  if (!s.introspectionUrl.empty() && s.clientId.empty()) badSetting("client_id", "required with introspection_url");
  s.discover = boolSetting(config, "discovery", true);
  if (!s.discover && s.jwksUrl.empty()) badSetting("jwks_url", "required when discovery is off");

  s.algorithms.clear();
  for (const auto& name : stringList(config, "algorithms")) {
    auto algorithm = algorithmNamed(name);
    if (!algorithm) badSetting("algorithms", "\"" + name + "\" is not one of RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA");
    s.algorithms.push_back(*algorithm);
  }
  if (s.algorithms.empty())
    for (auto a : {Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512,
                   Algorithm::ES256, Algorithm::ES384, Algorithm::ES512, Algorithm::EdDSA})
      s.algorithms.push_back(a);

  s.requiredScopes = stringList(config, "scopes");
  if (const json::Value* methods = config.find("method_scopes"); methods && !methods->isNull()) {
    if (!methods->isObject()) badSetting("method_scopes", "expected a mapping from JSON-RPC method to scopes");
    for (const auto& [method, scopes] : methods->members()) s.methodScopes[method] = stringList(*methods, method);
  }
  s.scopesSupported = stringList(config, "scopes_supported");
  if (s.scopesSupported.empty()) {
    std::set<std::string> all(s.requiredScopes.begin(), s.requiredScopes.end());
    for (const auto& [method, scopes] : s.methodScopes) all.insert(scopes.begin(), scopes.end());
    s.scopesSupported.assign(all.begin(), all.end());
  }
  s.jwks.refetchIntervalMs = durationMs(config, "jwks_refetch_interval", s.jwks.refetchIntervalMs);
  s.jwks.maxAgeMs = durationMs(config, "jwks_max_age", s.jwks.maxAgeMs);
  s.jwks.timeoutMs = static_cast<uint32_t>(durationMs(config, "http_timeout", s.jwks.timeoutMs));
  s.tokenCacheSize = countSetting(config, "token_cache_size", s.tokenCacheSize);
  s.introspectionCacheMaxSeconds = durationMs(config, "introspection_cache_max_ttl", 0) / 1000;
  return s;
}

}  // namespace moat::oidc
