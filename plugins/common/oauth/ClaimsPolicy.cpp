#include "oauth/ClaimsPolicy.h"

#include <algorithm>
#include <sstream>

namespace moat::oidc {
namespace {

// A NumericDate claim in seconds; fractions are allowed by RFC 7519 and truncated.
bool numericDate(const json::Value& claims, std::string_view name, int64_t& out, std::string& problem) {
  const json::Value* v = claims.find(name);
  if (!v) return false;
  if (v->type() != json::Value::Type::Number) {
    problem = "claim " + std::string(name) + " is not a number";
    return false;
  }
  out = static_cast<int64_t>(v->asNumber());
  return true;
}

std::vector<std::string> splitSpaces(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

}  // namespace

std::vector<std::string> scopesOf(const json::Value& claims) {
  std::vector<std::string> scopes;
  if (const json::Value* scope = claims.find("scope"); scope && scope->isString()) scopes = splitSpaces(scope->asString());
  if (const json::Value* scp = claims.find("scp")) {
    if (scp->isString()) {
      for (auto& s : splitSpaces(scp->asString())) scopes.push_back(std::move(s));
    } else if (scp->isArray()) {
      for (const auto& item : scp->items())
        if (item.isString()) scopes.push_back(item.asString());
    }
  }
  return scopes;
}

std::vector<std::string> audiencesOf(const json::Value& claims) {
  std::vector<std::string> out;
  const json::Value* aud = claims.find("aud");
  if (!aud) return out;
  if (aud->isString()) out.push_back(aud->asString());
  else if (aud->isArray())
    for (const auto& item : aud->items())
      if (item.isString()) out.push_back(item.asString());
  return out;
}

std::vector<std::string> missingScopes(const std::vector<std::string>& required, const std::vector<std::string>& granted) {
  std::vector<std::string> missing;
  for (const auto& scope : required)
    if (std::find(granted.begin(), granted.end(), scope) == granted.end()) missing.push_back(scope);
  return missing;
}

Verdict checkClaims(const json::Value& claims, const ClaimsPolicy& policy, const std::string& resourceUrl, int64_t now) {
  if (!claims.isObject()) return Verdict::rejected("token claims are not a JSON object");
  const json::Value* iss = claims.find("iss");
  if (iss && !iss->isString()) return Verdict::rejected("claim iss is not a string");
  if (!iss && policy.requireIss) return Verdict::rejected("token has no issuer");
  if (iss && iss->asString() != policy.issuer) return Verdict::rejected("token was issued by another issuer");

  std::vector<std::string> audiences = audiencesOf(claims);
  const std::vector<std::string> expected = policy.audiences.empty() ? std::vector<std::string>{resourceUrl} : policy.audiences;
  bool audienceMatches = std::any_of(audiences.begin(), audiences.end(), [&](const std::string& aud) {
    return std::find(expected.begin(), expected.end(), aud) != expected.end();
  });
  if (!audienceMatches) return Verdict::rejected("token is not meant for this resource (audience mismatch)");

  std::string problem;
  int64_t exp = 0, nbf = 0, iat = 0;
  bool hasExp = numericDate(claims, "exp", exp, problem);
  if (!problem.empty()) return Verdict::rejected(problem);
  if (!hasExp && policy.requireExp) return Verdict::rejected("token has no expiry");
  if (hasExp && now >= exp + policy.leewaySeconds) return Verdict::rejected("token has expired");
  if (numericDate(claims, "nbf", nbf, problem) && now + policy.leewaySeconds < nbf) return Verdict::rejected("token is not valid yet");
  if (!problem.empty()) return Verdict::rejected(problem);
  if (numericDate(claims, "iat", iat, problem) && now + policy.leewaySeconds < iat) return Verdict::rejected("token was issued in the future");
  if (!problem.empty()) return Verdict::rejected(problem);

  const json::Value* subject = claims.find(policy.subjectClaim);
  // A client-credentials token acts for the client itself (RFC 9068 §2.2, RFC 7662 §2.2).
  if (!subject) subject = claims.find("client_id");
  if (!subject || !subject->isString() || subject->asString().empty())
    return Verdict::rejected("token has no " + policy.subjectClaim + " claim");

  Identity identity;
  identity.subject = subject->asString();
  if (policy.groupsClaim != "groups" && !claims.find("groups")) {
    if (const json::Value* groups = claims.find(policy.groupsClaim)) {
      json::Value copy = claims;
      copy.mutableMembers()["groups"] = *groups;
      identity.claimsJson = json::write(copy);
    }
  }
  if (identity.claimsJson.empty()) identity.claimsJson = json::write(claims);
  identity.scopes = scopesOf(claims);
  identity.audiences = std::move(audiences);
  identity.expiresAt = hasExp ? exp : 0;
  return Verdict::accepted(std::move(identity));
}

}  // namespace moat::oidc
