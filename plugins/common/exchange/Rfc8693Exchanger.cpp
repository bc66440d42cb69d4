#include "exchange/Rfc8693Exchanger.h"

#include "oauth/ClientAuthentication.h"
#include "oauth/TokenResponse.h"
#include "oauth/TokenTypes.h"
#include "crypto/PercentEncoding.h"

namespace moat::exchange {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Everything that shapes the issued token, for the cache key.
std::string describe(const Rfc8693Settings& s) {
  std::string out = s.tokenUrl + '\n' + s.clientId + '\n' + s.audience + '\n' + joined(s.resources) + '\n' + joined(s.scopes) +
                    '\n' + s.subjectTokenType + '\n' + s.requestedTokenType + '\n' + s.actorTokenType;
  return out;
}

}  // namespace

Rfc8693Exchanger::Rfc8693Exchanger(const Host& host, Rfc8693Settings settings)
    : ExchangeStage(host, settings.stage, describe(settings)), settings_(std::move(settings)) {}

std::string Rfc8693Exchanger::requestBody(const std::string& subjectToken) const {
  using crypto::formUrlEncode;
  std::string body = "grant_type=" + crypto::formUrlEncode(kTokenExchangeGrant);
  auto add = [&](std::string_view name, std::string_view value) {
    body.append("&").append(name).append("=").append(crypto::formUrlEncode(value));
  };
  add("subject_token", subjectToken);
  add("subject_token_type", settings_.subjectTokenType);
  if (!settings_.requestedTokenType.empty()) add("requested_token_type", settings_.requestedTokenType);
  if (!settings_.audience.empty()) add("audience", settings_.audience);
  for (const auto& resource : settings_.resources) add("resource", resource);
  if (!settings_.scopes.empty()) add("scope", joined(settings_.scopes));
  if (!settings_.actorToken.empty()) {
    add("actor_token", settings_.actorToken);
    add("actor_token_type", settings_.actorTokenType);
  }
  if (settings_.authMethod != ClientAuthMethod::SecretBasic && !settings_.clientId.empty()) add("client_id", settings_.clientId);
  if (settings_.authMethod == ClientAuthMethod::SecretPost) add("client_secret", settings_.clientSecret);
  return body;
}

ExchangeResult Rfc8693Exchanger::exchange(const std::string& subjectToken) {
  Headers headers{{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  if (settings_.authMethod == ClientAuthMethod::SecretBasic)
    headers.emplace_back("Authorization", oidc::basicAuthorization(settings_.clientId, settings_.clientSecret));
  Host::HttpResponse response;
  try {
    response = host().fetch("POST", settings_.tokenUrl, headers, requestBody(subjectToken), settings_.timeoutMs);
  } catch (const std::exception& e) {
    return ExchangeResult::failed(ExchangeResult::Kind::Unavailable, std::string("token endpoint unreachable: ") + e.what());
  }
  return readTokenResponse(response, host().nowUnixMs(), "token endpoint");
}

}  // namespace moat::exchange
