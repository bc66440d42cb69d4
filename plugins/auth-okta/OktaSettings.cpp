#include "OktaSettings.h"

#include <stdexcept>

namespace moat::okta {
namespace {

// "dev-123.okta.com", "https://dev-123.okta.com/" or, for a local stand-in, "http://127.0.0.1:N".
std::string baseUrl(const std::string& domain) {
  std::string base = domain.find("://") == std::string::npos ? "https://" + domain : domain;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

}  // namespace

oidc::OidcSettings readOktaSettings(const Host& host, const json::Value& config) {
  if (!config.isObject()) throw std::runtime_error("configuration must be a mapping");
  json::Value oidcConfig = config;
  auto& members = oidcConfig.mutableMembers();
  for (const char* key : {"issuer", "jwks_url", "introspection_url", "discovery"})
    if (members.count(key)) throw std::runtime_error(std::string(key) + ": set by auth-okta from domain and authorization_server");
  std::string domain = config.stringOr("domain", "");
  if (domain.empty()) throw std::runtime_error("domain: required (your Okta domain, e.g. dev-123456.okta.com)");
  std::string server = config.stringOr("authorization_server", "default");
  members.erase("domain");
  members.erase("authorization_server");

  const std::string base = baseUrl(domain);
  const bool org = server == "org";
  const std::string issuer = org ? base : base + "/oauth2/" + server;
  const std::string endpoints = org ? base + "/oauth2/v1" : issuer + "/v1";
  members["issuer"] = json::Value::makeString(issuer);
  members["jwks_url"] = json::Value::makeString(endpoints + "/keys");
  if (config.find("client_id")) members["introspection_url"] = json::Value::makeString(endpoints + "/introspect");
  members["discovery"] = json::Value::makeBool(false);
  // The default authorization server issues tokens for "api://default" unless told otherwise.
  if (!config.find("audience") && server == "default") members["audience"] = json::Value::makeString("api://default");
  return oidc::readOidcSettings(host, oidcConfig);
}

}  // namespace moat::okta
