#include "oauth/OidcAuthenticator.h"

#include <algorithm>

#include "oauth/BearerCredential.h"
#include "oauth/JwtParser.h"
#include "moat/bearer.hpp"
#include "crypto/Sha256.h"

namespace moat::oidc {
namespace {

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

// RFC 6750 §2.3 allows tokens in the query; MCP forbids it, and a URL ends up in logs.
bool tokenInQuery(std::string_view path) {
  size_t query = path.find('?');
  if (query == std::string_view::npos) return false;
  std::string_view q = path.substr(query);
  for (size_t at = q.find("access_token="); at != std::string_view::npos; at = q.find("access_token=", at + 1))
    if (q[at - 1] == '?' || q[at - 1] == '&') return true;
  return false;
}


}  // namespace

OidcAuthenticator::OidcAuthenticator(const Host& host, OidcSettings settings)
    : host_(host),
      settings_(std::move(settings)),
      jwks_(host, [this](std::string& why) { return jwksUrl(why); }, settings_.jwks),
      jwtCache_(settings_.tokenCacheSize),
      introspectionCache_(settings_.tokenCacheSize) {
  // Discovery is tried now so a misconfigured issuer shows at startup; a failure is not fatal
  // (the IdP may start after the gateway) and is retried on the first requests.
  if (settings_.discover) {
    std::string why;
    if (!metadata(why)) host_.warn("issuer discovery failed, will retry: " + why);
  }
}

std::optional<ServerMetadata> OidcAuthenticator::metadata(std::string& why) {
  std::lock_guard lock(discoveryMutex_);
  if (metadata_) return metadata_;
  int64_t now = host_.monotonicMs();
  if (discoveryAttempted_ && now - discoveryAttemptMs_ < settings_.jwks.refetchIntervalMs) {
    why = discoveryFailure_;
    return std::nullopt;
  }
  discoveryAttempted_ = true;
  discoveryAttemptMs_ = now;
  try {
    ServerMetadata found = discover(host_, settings_.claims.issuer, settings_.jwks.timeoutMs);
    if (!found.jwksUri.empty()) requireSecureUrl(found.jwksUri, "the discovered jwks_uri");
    if (!found.introspectionEndpoint.empty()) requireSecureUrl(found.introspectionEndpoint, "the discovered introspection_endpoint");
    metadata_ = std::move(found);
    host_.info("discovered the authorization server metadata of " + settings_.claims.issuer);
    return metadata_;
  } catch (const std::exception& e) {
    discoveryFailure_ = e.what();
    why = discoveryFailure_;
    return std::nullopt;
  }
}

std::string OidcAuthenticator::jwksUrl(std::string& why) {
  if (!settings_.jwksUrl.empty()) return settings_.jwksUrl;
  auto found = metadata(why);
  if (!found) return {};
  if (found->jwksUri.empty()) why = "the issuer's metadata has no jwks_uri";
  return found->jwksUri;
}

std::optional<Introspector> OidcAuthenticator::introspector(std::string& why) {
  std::string url = settings_.introspectionUrl;
  if (url.empty() && settings_.discover && !settings_.clientId.empty()) {
    if (auto found = metadata(why)) url = found->introspectionEndpoint;
    else return std::nullopt;
  }
  if (url.empty() || settings_.clientId.empty()) {
    why.clear();
    return std::nullopt;
  }
  return Introspector(host_, IntrospectionSettings{url, settings_.clientId, settings_.clientSecret, settings_.jwks.timeoutMs});
}

bool OidcAuthenticator::ready(std::string& why) {
  if (jwks_.ready(why)) return true;
  std::string unused;
  return introspector(unused).has_value();
}

Verdict OidcAuthenticator::checkJwt(const std::string& token, const std::string& resourceUrl) {
  std::string why;
  auto parsed = parseJwt(token, settings_.algorithms, why);
  if (!parsed) return Verdict::rejected(why);
  JwksCache::Lookup lookup = jwks_.find(parsed->kid, parsed->hasKid, parsed->algorithm);
  if (lookup.unavailable) return Verdict::unavailable(lookup.reason);
  if (!lookup.key) return Verdict::rejected(lookup.reason);
  if (!lookup.key->verify(parsed->algorithm, parsed->signingInput, parsed->signature))
    return Verdict::rejected("token signature does not verify");
  return checkClaims(parsed->claims, settings_.claims, resourceUrl, host_.nowUnixMs() / 1000);
}

Verdict OidcAuthenticator::check(const std::string& token, const std::string& resourceUrl) {
  const std::string hash = crypto::sha256(token);
  const int64_t now = host_.nowUnixMs() / 1000;
  const bool jwt = looksLikeJwt(token);
  TokenCache& cache = jwt ? jwtCache_ : introspectionCache_;
  const std::vector<std::string> expected =
      settings_.claims.audiences.empty() ? std::vector<std::string>{resourceUrl} : settings_.claims.audiences;
  if (auto cached = cache.find(hash, now)) {
    // A token cached for one resource is not thereby good for another one on this stage.
    bool audienceMatches = std::any_of(cached->audiences.begin(), cached->audiences.end(), [&](const std::string& aud) {
      return std::find(expected.begin(), expected.end(), aud) != expected.end();
    });
    if (audienceMatches) {
      host_.count("cache_hits");
      return Verdict::accepted(std::move(*cached));
    }
  }
  host_.count("cache_misses");
  Verdict verdict;
  if (jwt) {
    verdict = checkJwt(token, resourceUrl);
  } else {
    std::string why;
    auto endpoint = introspector(why);
    if (!endpoint)
      return why.empty() ? Verdict::rejected("token is not a JWT and no introspection endpoint is configured")
                         : Verdict::unavailable("cannot introspect: " + why);
    verdict = endpoint->introspect(token, settings_.claims, resourceUrl);
  }
  if (verdict.ok()) {
    int64_t until = verdict.identity.expiresAt ? verdict.identity.expiresAt : now + 60;
    if (!jwt && settings_.introspectionCacheMaxSeconds > 0) until = std::min(until, now + settings_.introspectionCacheMaxSeconds);
    cache.put(hash, verdict.identity, until, now);
  }
  return verdict;
}

std::vector<std::string> OidcAuthenticator::scopesFor(std::string_view rpcMethod) const {
  std::vector<std::string> scopes = settings_.requiredScopes;
  auto it = settings_.methodScopes.find(std::string(rpcMethod));
  if (it != settings_.methodScopes.end())
    for (const auto& s : it->second)
      if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.push_back(s);
  return scopes;
}

Status OidcAuthenticator::onRequest(Request& request) {
  // The body is parsed for its JSON-RPC method only when some method needs scopes of its own.
  const std::vector<std::string> needed = settings_.methodScopes.empty() ? settings_.requiredScopes : scopesFor(request.rpcMethod());
  const std::string scopeHint = joined(needed, " ");
  if (tokenInQuery(request.path())) {
    host_.count("rejected");
    return bearer::reject(request, {"invalid_request", "access tokens in the URL are refused; send an Authorization header", scopeHint});
  }
  auto credential = request.clientCredential();
  if (!credential) {
    host_.count("missing");
    return bearer::reject(request, {"", "authentication required", scopeHint});
  }
  BearerCredential bearerCredential = parseBearerCredential(*credential);
  if (!bearerCredential.token) {
    host_.count("rejected");
    bool notBearer = bearerCredential.problem == CredentialProblem::NotBearer;
    return bearer::reject(request, {"invalid_request", notBearer ? "expected an Authorization: Bearer token" : "malformed Bearer credential", scopeHint});
  }
  const std::string& token = *bearerCredential.token;

  Verdict verdict = check(token, std::string(request.resourceUrl()));
  if (verdict.outcome == Verdict::Outcome::Unavailable) {
    host_.count("unavailable");
    host_.warn("refusing a request: " + verdict.reason);
    return bearer::unavailable(request, "the authorization server cannot be reached to check the token");
  }
  if (!verdict.ok()) {
    host_.count("rejected");
    host_.info("token " + crypto::fingerprint(token) + " rejected: " + verdict.reason);
    return bearer::reject(request, {"invalid_token", verdict.reason, scopeHint});
  }
  auto missing = missingScopes(needed, verdict.identity.scopes);
  if (!missing.empty()) {
    host_.count("insufficient_scope");
    return bearer::reject(request, {"insufficient_scope", "this request needs the scopes: " + joined(missing, " "), scopeHint});
  }
  host_.count("accepted");
  request.setIdentity(verdict.identity.subject, verdict.identity.claimsJson);
  return Status::Continue;
}

std::string OidcAuthenticator::resourceMetadata() const {
  json::Value doc = json::Value::makeObject();
  json::Value servers = json::Value::makeArray();
  servers.mutableItems().push_back(json::Value::makeString(settings_.claims.issuer));
  doc.mutableMembers()["authorization_servers"] = servers;
  if (!settings_.scopesSupported.empty()) {
    json::Value scopes = json::Value::makeArray();
    for (const auto& s : settings_.scopesSupported) scopes.mutableItems().push_back(json::Value::makeString(s));
    doc.mutableMembers()["scopes_supported"] = scopes;
  }
  return json::write(doc);
}

}  // namespace moat::oidc
