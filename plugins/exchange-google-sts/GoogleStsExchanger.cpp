#include "GoogleStsExchanger.h"

#include <ctime>

#include "oauth/ClientAuthentication.h"
#include "oauth/TokenResponse.h"
#include "oauth/TokenTypes.h"
#include "crypto/PercentEncoding.h"

namespace moat::exchange {
namespace {

using Kind = ExchangeResult::Kind;

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string describe(const GoogleStsSettings& s) {
  return s.stsUrl + '\n' + s.audience + '\n' + joined(s.scopes) + '\n' + s.subjectTokenType + '\n' + s.userProject + '\n' +
         s.serviceAccount + '\n' + std::to_string(s.impersonationLifetimeSeconds);
}

// What an operator should check when STS refuses the request itself.
std::string stsHint(const std::string& reason) {
  if (reason.find("invalid_target") != std::string::npos)
    return reason + " - check the pool and provider ids in audience, and that the provider is enabled";
  if (reason.find("invalid_request") != std::string::npos)
    return reason + " - check subject_token_type and, for a workforce pool, user_project";
  return reason;
}

}  // namespace

int64_t parseRfc3339Ms(const std::string& text) {
  std::tm tm{};
  int fractionalMs = 0;
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits)
      if (digits < 3) fractionalMs = fractionalMs * 10 + (*rest - '0');
    for (; digits < 3; ++digits) fractionalMs *= 10;
  }
  int64_t offsetSeconds = 0;
  if (*rest == '+' || *rest == '-') {
    int hours = 0, minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return 0;
    offsetSeconds = (hours * 3600 + minutes * 60) * (*rest == '+' ? 1 : -1);
  } else if (*rest != 'Z' && *rest != 'z') {
    return 0;
  }
  return (static_cast<int64_t>(timegm(&tm)) - offsetSeconds) * 1000 + fractionalMs;
}

std::string googleErrorMessage(const Host::HttpResponse& response) {
  std::string out = "HTTP " + std::to_string(response.status);
  try {
    json::Value body = json::parse(response.body);
    if (const json::Value* error = body.find("error"); error && error->isObject()) {
      std::string status = error->stringOr("status", "");
      std::string message = sanitizedDescription(error->stringOr("message", ""));
      if (!status.empty()) out += " " + sanitizedDescription(status);
      if (!message.empty()) out += ": " + message;
    }
  } catch (const std::exception&) {
  }
  return out;
}

GoogleStsExchanger::GoogleStsExchanger(const Host& host, GoogleStsSettings settings)
    : ExchangeStage(host, settings.stage, describe(settings)), settings_(std::move(settings)) {}

std::string GoogleStsExchanger::stsRequestBody(const std::string& subjectToken) const {
  std::string body;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!body.empty()) body += '&';
    body.append(name).append("=").append(crypto::formUrlEncode(value));
  };
  add("audience", settings_.audience);
  add("grant_type", kTokenExchangeGrant);
  add("requested_token_type", kAccessTokenType);
  add("scope", joined(settings_.scopes));
  add("subject_token_type", settings_.subjectTokenType);
  add("subject_token", subjectToken);
  if (!settings_.userProject.empty()) add("options", "{\"userProject\":" + json::quote(settings_.userProject) + "}");
  return body;
}

ExchangeResult GoogleStsExchanger::exchange(const std::string& subjectToken) {
  // STS authenticates the subject token itself: the request carries no Authorization header.
  Headers headers{{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  Host::HttpResponse response;
  try {
    response = host().fetch("POST", settings_.stsUrl, headers, stsRequestBody(subjectToken), settings_.timeoutMs);
  } catch (const std::exception& e) {
    return ExchangeResult::failed(Kind::Unavailable, std::string("Google STS unreachable: ") + e.what());
  }
  ExchangeResult federated = readTokenResponse(response, host().nowUnixMs(), "Google STS");
  if (federated.kind == Kind::Misconfigured) federated.reason = stsHint(federated.reason);
  if (!federated.ok() || settings_.serviceAccount.empty()) return federated;
  return impersonate(federated.token);
}

ExchangeResult GoogleStsExchanger::impersonate(const std::string& federatedToken) {
  const std::string url = settings_.iamCredentialsUrl + "/v1/projects/-/serviceAccounts/" +
                          settings_.serviceAccount + ":generateAccessToken";
  json::Value scopes = json::Value::makeArray();
  for (const auto& scope : settings_.scopes) scopes.mutableItems().push_back(json::Value::makeString(scope));
  json::Value request = json::Value::makeObject();
  request.mutableMembers()["scope"] = scopes;
  request.mutableMembers()["lifetime"] = json::Value::makeString(std::to_string(settings_.impersonationLifetimeSeconds) + "s");
  Headers headers{{"Content-Type", "application/json"}, {"Accept", "application/json"}, {"Authorization", "Bearer " + federatedToken}};
  Host::HttpResponse response;
  try {
    response = host().fetch("POST", url, headers, json::write(request), settings_.timeoutMs);
  } catch (const std::exception& e) {
    return ExchangeResult::failed(Kind::Unavailable, std::string("IAM Credentials unreachable: ") + e.what());
  }
  const std::string what = "impersonating " + settings_.serviceAccount + ": IAM Credentials answered " + googleErrorMessage(response);
  if (response.status == 429 || response.status >= 500) return ExchangeResult::failed(Kind::Unavailable, what);
  if (response.status == 403)
    return ExchangeResult::failed(Kind::Misconfigured, what + " - grant the pool's principals roles/iam.workloadIdentityUser "
                                                              "(or roles/iam.serviceAccountTokenCreator) on the service account");
  if (response.status != 200) return ExchangeResult::failed(Kind::Misconfigured, what);
  try {
    json::Value body = json::parse(response.body);
    std::string token = body.stringOr("accessToken", "");
    if (token.empty()) return ExchangeResult::failed(Kind::Unavailable, "IAM Credentials answered 200 without an accessToken");
    return ExchangeResult::issued(token, parseRfc3339Ms(body.stringOr("expireTime", "")));
  } catch (const std::exception&) {
    return ExchangeResult::failed(Kind::Unavailable, "IAM Credentials answered 200 with something that is not JSON");
  }
}

}  // namespace moat::exchange
