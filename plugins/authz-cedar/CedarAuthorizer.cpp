#include "CedarAuthorizer.h"

#include "CedarRequest.h"

#include <chrono>
#include <string_view>

namespace moat::cedar {

namespace {

bool readsArguments(const std::vector<PolicySource>& policies) {
  for (const auto& policy : policies)
    if (policy.text.find("arg_") != std::string::npos) return true;
  return false;
}

}  // namespace

CedarAuthorizer::CedarAuthorizer(const Host& host, const json::Value& config)
    : host_(host), settings_(readSettings(config, host.instanceName())), engine_(settings_.policies, settings_.entitiesJson),
      argumentsMatter_(readsArguments(settings_.policies)), cache_(settings_.cacheSize, std::chrono::milliseconds(settings_.cacheTtlMs)) {
  host_.info("loaded " + std::to_string(engine_.policyCount()) + " Cedar policies" +
             (argumentsMatter_ ? "" : "; none reads a tool's arguments"));
}

Decision CedarAuthorizer::authorize(Request& request, const AuthzQuery& query) {
  auto identity = request.identity();
  if (!identity) {
    host_.count("denied_anonymous");
    return Decision::Deny;  // Client::"<sub>" needs a subject: an authenticator goes first
  }
  std::string key;
  const int64_t now = host_.monotonicMs();
  if (cache_.enabled()) {
    key = authz::decisionKey(identity->subject, identity->claimsJson, query, argumentsMatter_);
    if (std::optional<bool> known = cache_.find(key, now)) {
      host_.count("cache_hits");
      host_.count(*known ? "allowed" : "denied");
      return *known ? Decision::Allow : Decision::Deny;
    }
  }
  const json::Value claims = json::parse(identity->claimsJson.empty() ? "{}" : identity->claimsJson);
  const json::Value arguments = argumentsMatter_ ? json::parse(query.argumentsJson.empty() ? "{}" : query.argumentsJson) : json::Value::makeObject();
  const json::Value annotations = json::parse(query.annotationsJson.empty() ? "{}" : query.annotationsJson);
  const Question question{identity->subject, &claims, query.feature, query.operation, query.target, &arguments, &annotations};
  // A failure (a policy erring) throws past the cache: it is decided again next time.
  const bool allowed = engine_.decide(requestJson(settings_.model, question)) == Engine::Decision::Allow;
  if (cache_.enabled()) cache_.put(key, allowed, now);
  host_.count(allowed ? "allowed" : "denied");
  return allowed ? Decision::Allow : Decision::Deny;
}

}  // namespace moat::cedar
