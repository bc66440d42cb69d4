#include "CedarAuthorizer.h"

#include "CedarRequest.h"

namespace moat::cedar {

CedarAuthorizer::CedarAuthorizer(const Host& host, const json::Value& config)
    : host_(host), settings_(readSettings(config, host.instanceName())), engine_(settings_.policies, settings_.entitiesJson) {
  host_.info("loaded " + std::to_string(engine_.policyCount()) + " Cedar policies");
}

Decision CedarAuthorizer::authorize(Request& request, const AuthzQuery& query) {
  auto identity = request.identity();
  if (!identity) {
    host_.count("denied_anonymous");
    return Decision::Deny;  // Client::"<sub>" needs a subject: an authenticator goes first
  }
  const json::Value claims = json::parse(identity->claimsJson.empty() ? "{}" : identity->claimsJson);
  const json::Value arguments = json::parse(query.argumentsJson.empty() ? "{}" : query.argumentsJson);
  const json::Value annotations = json::parse(query.annotationsJson.empty() ? "{}" : query.annotationsJson);
  const Question question{identity->subject, &claims, query.feature, query.operation, query.target, &arguments, &annotations};
  const bool allowed = engine_.decide(requestJson(settings_.model, question)) == Engine::Decision::Allow;
  host_.count(allowed ? "allowed" : "denied");
  return allowed ? Decision::Allow : Decision::Deny;
}

}  // namespace moat::cedar
