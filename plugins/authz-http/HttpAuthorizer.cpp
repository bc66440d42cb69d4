#include "HttpAuthorizer.h"

#include <chrono>
#include <stdexcept>

#include "Porc.h"

namespace moat::pdp {
namespace {

std::string withoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

HttpAuthorizer::HttpAuthorizer(const Host& host, const json::Value& config)
    : host_(host), settings_(readSettings(config, host.instanceName())),
      decisionUrl_(settings_.shape == Settings::Shape::Porc ? withoutTrailingSlash(settings_.url) + "/decision" : settings_.url),
      cache_(settings_.cacheSize, std::chrono::milliseconds(settings_.cacheTtlMs)) {}

bool HttpAuthorizer::ask(const std::string& body) {
  Host::HttpResponse response;
  try {
    response = host_.fetch("POST", decisionUrl_, {{"Content-Type", "application/json"}, {"Accept", "application/json"}}, body,
                           static_cast<uint32_t>(settings_.timeoutMs));
  } catch (const std::exception& e) {
    host_.count("unavailable");
    throw std::runtime_error("the decision point at " + decisionUrl_ + " cannot be reached: " + e.what());
  }
  if (response.status != 200) {
    host_.count("unavailable");
    throw std::runtime_error("the decision point at " + decisionUrl_ + " answered HTTP " + std::to_string(response.status));
  }
  json::Value answer;
  try {
    answer = json::parse(response.body);
  } catch (const std::exception&) {
    throw std::runtime_error("the decision point's answer is not JSON");
  }
  // porc: {"allow": bool}; opa: {"result": bool} or {"result": {"allow": bool}}; an undefined
  // OPA document (no "result") is no decision, so it denies like any other non-answer.
  const json::Value* decision = settings_.shape == Settings::Shape::Porc ? answer.find("allow") : answer.find("result");
  if (decision && decision->isObject()) decision = decision->find("allow");
  if (!decision || decision->type() != json::Value::Type::Bool)
    throw std::runtime_error("the decision point's answer holds no boolean decision");
  return decision->asBool();
}

Decision HttpAuthorizer::authorize(Request& request, const AuthzQuery& query) {
  auto identity = request.identity();
  if (!identity) {
    host_.count("denied_anonymous");
    return Decision::Deny;
  }
  const int64_t now = host_.monotonicMs();
  const std::string key = authz::decisionKey(identity->subject, identity->claimsJson, query, settings_.includeArguments);
  if (cache_.enabled())
    if (std::optional<bool> known = cache_.find(key, now)) {
      host_.count("cache_hits");
      host_.count(*known ? "allowed" : "denied");
      return *known ? Decision::Allow : Decision::Deny;
    }
  const json::Value claims = json::parse(identity->claimsJson.empty() ? "{}" : identity->claimsJson);
  const json::Value arguments = json::parse(query.argumentsJson.empty() ? "{}" : query.argumentsJson);
  json::Value document = porc(settings_, claims, query, arguments);
  if (settings_.shape == Settings::Shape::Opa) {
    json::Value wrapped = json::Value::makeObject();
    wrapped.mutableMembers()["input"] = std::move(document);
    document = std::move(wrapped);
  }
  const bool allowed = ask(json::write(document));
  cache_.put(key, allowed, now);
  host_.count(allowed ? "allowed" : "denied");
  return allowed ? Decision::Allow : Decision::Deny;
}

}  // namespace moat::pdp
