#include "oauth/Introspector.h"

#include "oauth/ClientAuthentication.h"
#include "crypto/PercentEncoding.h"

namespace moat::oidc {

Verdict Introspector::introspect(const std::string& token, const ClaimsPolicy& policy, const std::string& resourceUrl) const {
  std::string body = "token=" + crypto::formUrlEncode(token) + "&token_type_hint=access_token";
  Headers headers{{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  if (settings_.clientSecret.empty()) {
    body += "&client_id=" + crypto::formUrlEncode(settings_.clientId);
  } else {
    headers.emplace_back("Authorization", basicAuthorization(settings_.clientId, settings_.clientSecret));
  }
  host_.count("introspections");
  Host::HttpResponse response;
  try {
    response = host_.fetch("POST", settings_.url, headers, body, settings_.timeoutMs);
  } catch (const std::exception& e) {
    return Verdict::unavailable(std::string("introspection endpoint unreachable: ") + e.what());
  }
  if (response.status == 401 || response.status == 403)
    return Verdict::unavailable("the introspection endpoint refused the gateway's client credentials (HTTP " +
                                std::to_string(response.status) + ")");
  if (response.status != 200)
    return Verdict::unavailable("introspection endpoint answered HTTP " + std::to_string(response.status));
  json::Value answer;
  try {
    answer = json::parse(response.body);
  } catch (const std::exception&) {
    return Verdict::unavailable("introspection endpoint answered with something that is not JSON");
  }
  const json::Value* active = answer.find("active");
  if (!active || active->type() != json::Value::Type::Bool || !active->asBool()) return Verdict::rejected("token is not active");
  ClaimsPolicy relaxed = policy;
  relaxed.requireExp = false;  // RFC 7662 makes every member but "active" optional
  relaxed.requireIss = false;
  return checkClaims(answer, relaxed, resourceUrl, host_.nowUnixMs() / 1000);
}

}  // namespace moat::oidc
