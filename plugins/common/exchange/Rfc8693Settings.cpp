#include "exchange/Rfc8693Settings.h"

#include <stdexcept>

#include "oauth/Discovery.h"
#include "moat/settings.hpp"
#include "oauth/TokenTypes.h"

namespace moat::exchange {
namespace {

std::set<std::string> knownKeys() {
  std::set<std::string> keys{"token_url", "client_id", "client_secret", "client_secret_file", "client_secret_env",
                             "client_auth_method", "audience", "resource", "scopes", "subject_token_type",
                             "requested_token_type", "actor_token_file", "actor_token_type", "timeout"};
  keys.insert(stageSettingKeys().begin(), stageSettingKeys().end());
  return keys;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

Rfc8693Settings readRfc8693Settings(const Host& host, const json::Value& config) {
  settings::checkKeys(config, knownKeys(), host.instanceName());
  Rfc8693Settings s;
  s.tokenUrl = settings::text(config, "token_url");
  if (s.tokenUrl.empty()) settings::fail("token_url", "required (the IdP's token endpoint)");
  oidc::requireSecureUrl(s.tokenUrl, "token_url");
  s.clientId = settings::text(config, "client_id");
  s.clientSecret = trimmed(settings::secret(host, config, "client_secret"));

  std::string method = settings::text(config, "client_auth_method");
  if (method.empty()) method = s.clientSecret.empty() ? "none" : "client_secret_basic";
  if (method == "client_secret_basic") s.authMethod = ClientAuthMethod::SecretBasic;
  else if (method == "client_secret_post") s.authMethod = ClientAuthMethod::SecretPost;
  else if (method == "none") s.authMethod = ClientAuthMethod::None;
  else settings::fail("client_auth_method", "expected client_secret_basic, client_secret_post or none");
  if (s.authMethod != ClientAuthMethod::None && (s.clientId.empty() || s.clientSecret.empty()))
    settings::fail("client_auth_method", method + " needs client_id and a client secret");
  if (s.authMethod == ClientAuthMethod::None && !s.clientSecret.empty())
    settings::fail("client_auth_method", "none, but a client secret is configured");

  s.audience = settings::text(config, "audience");
  s.resources = settings::list(config, "resource");
  for (const auto& resource : s.resources)
    if (resource.find("://") == std::string::npos || resource.find('#') != std::string::npos)
      settings::fail("resource", "\"" + resource + "\" is not an absolute URI without a fragment (RFC 8707)");
  s.scopes = settings::list(config, "scopes");
  if (s.audience.empty() && s.resources.empty())
    settings::fail("audience", "give audience or resource: what the exchanged token is for");

  std::string subjectType = settings::text(config, "subject_token_type");
  s.subjectTokenType = tokenTypeUrn(subjectType.empty() ? "access_token" : subjectType, "subject_token_type");
  std::string requested = settings::text(config, "requested_token_type");
  if (!requested.empty()) s.requestedTokenType = tokenTypeUrn(requested, "requested_token_type");

  std::string actorFile = settings::text(config, "actor_token_file");
  if (!actorFile.empty()) {
    try {
      s.actorToken = trimmed(host.readSecretFile(actorFile));
    } catch (const std::exception& e) {
      settings::fail("actor_token_file", e.what());
    }
    std::string actorType = settings::text(config, "actor_token_type");
    s.actorTokenType = tokenTypeUrn(actorType.empty() ? "jwt" : actorType, "actor_token_type");
  } else if (config.find("actor_token_type")) {
    settings::fail("actor_token_type", "given without actor_token_file");
  }
  s.timeoutMs = static_cast<uint32_t>(settings::durationMs(config, "timeout", s.timeoutMs));
  s.stage = readStageSettings(config);
  return s;
}

}  // namespace moat::exchange
