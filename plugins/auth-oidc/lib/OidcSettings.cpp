#include "OidcSettings.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "Discovery.h"

namespace moat::oidc {
namespace {

[[noreturn]] void bad(std::string_view key, const std::string& problem) {
  throw std::runtime_error(std::string(key) + ": " + problem);
}

std::string text(const json::Value& config, std::string_view key) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return {};
  if (!v->isString()) bad(key, "expected a string");
  return v->asString();
}

void rejectUnknownKeys(const json::Value& config) {
  static const std::set<std::string> known{
      "issuer", "audience", "jwks_url", "introspection_url", "client_id", "client_secret", "client_secret_file",
      "client_secret_env", "scopes", "method_scopes", "scopes_supported", "algorithms", "leeway", "subject_claim",
      "jwks_refetch_interval", "jwks_max_age", "http_timeout", "token_cache_size",
      "introspection_cache_max_ttl", "discovery", "groups_claim"};
  for (const auto& [key, value] : config.members())
    if (!known.count(key)) bad(key, "unknown key");
}

std::string secret(const Host& host, const json::Value& config) {
  std::string file = text(config, "client_secret_file"), env = text(config, "client_secret_env"),
              inline_ = text(config, "client_secret");
  if (int(!file.empty()) + int(!env.empty()) + int(!inline_.empty()) > 1)
    bad("client_secret", "give one of client_secret, client_secret_file and client_secret_env");
  if (!file.empty()) {
    try {
      return host.readSecretFile(file);
    } catch (const std::exception& e) {
      bad("client_secret_file", e.what());
    }
  }
  if (!env.empty()) {
    auto value = host.env(env);
    if (!value || value->empty()) bad("client_secret_env", "environment variable " + env + " is not set");
    return *value;
  }
  return inline_;
}

}  // namespace

std::vector<std::string> stringList(const json::Value& config, std::string_view key) {
  const json::Value* v = config.find(key);
  std::vector<std::string> out;
  if (!v || v->isNull()) return out;
  if (v->isString()) {
    std::string word;
    for (char c : v->asString() + " ") {
      if (c == ' ' || c == ',') {
        if (!word.empty()) out.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    return out;
  }
  if (!v->isArray()) bad(key, "expected a list of strings");
  for (const auto& item : v->items()) {
    if (!item.isString()) bad(key, "expected a list of strings");
    out.push_back(item.asString());
  }
  return out;
}

int64_t durationMs(const json::Value& config, std::string_view key, int64_t fallbackMs) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return fallbackMs;
  if (v->type() == json::Value::Type::Number) {
    if (v->asNumber() < 0) bad(key, "must not be negative");
    return static_cast<int64_t>(std::llround(v->asNumber() * 1000));  // plain numbers are seconds
  }
  if (!v->isString()) bad(key, "expected a duration such as 30s, 500ms or 10m");
  const std::string& s = v->asString();
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0) bad(key, "expected a duration such as 30s, 500ms or 10m");
  int64_t n = std::stoll(s.substr(0, digits));
  std::string unit = s.substr(digits);
  if (unit == "ms") return n;
  if (unit == "s" || unit.empty()) return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  bad(key, "unknown unit \"" + unit + "\" (use ms, s, m or h)");
}

OidcSettings readOidcSettings(const Host& host, const json::Value& config) {
  if (!config.isObject()) throw std::runtime_error("configuration must be a mapping");
  rejectUnknownKeys(config);
  OidcSettings s;
  s.claims.issuer = text(config, "issuer");
  if (s.claims.issuer.empty()) bad("issuer", "required (the IdP's issuer URL, exactly as its tokens name it)");
  requireSecureUrl(s.claims.issuer, "issuer");
  s.claims.audiences = stringList(config, "audience");
  s.claims.leewaySeconds = durationMs(config, "leeway", 60'000) / 1000;
  s.claims.subjectClaim = text(config, "subject_claim");
  if (s.claims.subjectClaim.empty()) s.claims.subjectClaim = "sub";
  s.claims.groupsClaim = text(config, "groups_claim");
  if (s.claims.groupsClaim.empty()) s.claims.groupsClaim = "groups";

  s.jwksUrl = text(config, "jwks_url");
  if (!s.jwksUrl.empty()) requireSecureUrl(s.jwksUrl, "jwks_url");
  s.introspectionUrl = text(config, "introspection_url");
  if (!s.introspectionUrl.empty()) requireSecureUrl(s.introspectionUrl, "introspection_url");
  s.clientId = text(config, "client_id");
  s.clientSecret = secret(host, config);
  if (!s.introspectionUrl.empty() && s.clientId.empty()) bad("client_id", "required with introspection_url");
  if (const json::Value* d = config.find("discovery")) {
    if (d->type() != json::Value::Type::Bool) bad("discovery", "expected true or false");
    s.discover = d->asBool();
  }
  if (!s.discover && s.jwksUrl.empty()) bad("jwks_url", "required when discovery is off");

  s.algorithms.clear();
  for (const auto& name : stringList(config, "algorithms")) {
    auto algorithm = algorithmNamed(name);
    if (!algorithm) bad("algorithms", "\"" + name + "\" is not one of RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA");
    s.algorithms.push_back(*algorithm);
  }
  if (s.algorithms.empty())
    for (auto a : {Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512,
                   Algorithm::ES256, Algorithm::ES384, Algorithm::ES512, Algorithm::EdDSA})
      s.algorithms.push_back(a);

  s.requiredScopes = stringList(config, "scopes");
  if (const json::Value* methods = config.find("method_scopes"); methods && !methods->isNull()) {
    if (!methods->isObject()) bad("method_scopes", "expected a mapping from JSON-RPC method to scopes");
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
  if (const json::Value* size = config.find("token_cache_size"); size && !size->isNull()) {
    if (size->type() != json::Value::Type::Number || size->asNumber() < 0) bad("token_cache_size", "expected a count");
    s.tokenCacheSize = static_cast<size_t>(size->asNumber());
  }
  s.introspectionCacheMaxSeconds = durationMs(config, "introspection_cache_max_ttl", 0) / 1000;
  return s;
}

}  // namespace moat::oidc
