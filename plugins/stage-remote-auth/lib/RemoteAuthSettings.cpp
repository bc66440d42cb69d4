#include "RemoteAuthSettings.h"

#include "oauth/Discovery.h"
#include "moat/settings.hpp"

namespace moat::remoteauth {

std::string defaultTokenDirectory(const Host& host) {
  if (auto dir = host.env("MOAT_STATE_DIR"); dir && !dir->empty()) return *dir + "/remote-auth";
  if (auto xdg = host.env("XDG_STATE_HOME"); xdg && !xdg->empty()) return *xdg + "/moat/remote-auth";
  if (auto home = host.env("HOME"); home && !home->empty()) return *home + "/.local/state/moat/remote-auth";
  return {};
}

RemoteAuthSettings readRemoteAuthSettings(const Host& host, const json::Value& config) {
  using namespace moat::oidc;
  settings::checkKeys(config, {"name", "resource", "issuer", "authorize_url", "token_url", "client_id", "client_secret", "client_secret_file",
                             "client_secret_env", "client_metadata_url", "scopes", "callback_port", "open_browser", "inject_authorization", "token_directory",
                             "timeout", "login_timeout", "refresh_skew", "max_scope_step_ups", "step_up_timeout"}, host.instanceName());
  RemoteAuthSettings s;
  s.name = settings::text(config, "name");
  if (s.name.empty()) settings::fail("name", "required: names the saved login (moat logout NAME)");
  for (char c : s.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') settings::fail("name", "use only a-z, 0-9, '-' and '_'");
  s.resource = settings::text(config, "resource");
  if (s.resource.empty()) settings::fail("resource", "required: the MCP server's URL");
  requireSecureUrl(s.resource, "resource");
  s.issuer = settings::text(config, "issuer");
  if (!s.issuer.empty()) requireSecureUrl(s.issuer, "issuer");
  s.authorizeUrl = settings::text(config, "authorize_url");
  s.tokenUrl = settings::text(config, "token_url");
  if (s.authorizeUrl.empty() != s.tokenUrl.empty()) settings::fail(s.authorizeUrl.empty() ? "authorize_url" : "token_url", "give authorize_url and token_url together");
  if (!s.authorizeUrl.empty()) {
    requireSecureUrl(s.authorizeUrl, "authorize_url");
    requireSecureUrl(s.tokenUrl, "token_url");
  }
  s.clientId = settings::text(config, "client_id");
  s.clientSecret = settings::secret(host, config, "client_secret");
  if (!s.clientSecret.empty() && s.clientId.empty()) settings::fail("client_secret", "goes with client_id");
  if (!s.authorizeUrl.empty() && s.clientId.empty()) settings::fail("client_id", "required with authorize_url and token_url (no registration endpoint to use)");
  s.clientMetadataUrl = settings::text(config, "client_metadata_url");
  if (!s.clientMetadataUrl.empty() && s.clientMetadataUrl.rfind("https://", 0) != 0)
    settings::fail("client_metadata_url", "a Client ID Metadata Document is named by an https:// URL");
  s.scopes = settings::list(config, "scopes");
  s.callbackPort = static_cast<int>(settings::count(config, "callback_port", 8666));
  if (s.callbackPort < 1 || s.callbackPort > 65535) settings::fail("callback_port", "expected a port from 1 to 65535");
  s.openBrowser = settings::flag(config, "open_browser", true);
  s.injectAuthorization = settings::flag(config, "inject_authorization", true);
  s.tokenDirectory = settings::text(config, "token_directory");
  if (s.tokenDirectory.empty()) s.tokenDirectory = defaultTokenDirectory(host);
  if (s.tokenDirectory.empty()) settings::fail("token_directory", "required when neither MOAT_STATE_DIR nor HOME is set");
  s.timeoutMs = settings::durationMs(config, "timeout", 10'000);
  s.loginTimeoutMs = settings::durationMs(config, "login_timeout", 300'000);
  s.refreshSkewMs = settings::durationMs(config, "refresh_skew", 60'000);
  s.maxScopeStepUps = static_cast<int>(settings::count(config, "max_scope_step_ups", 2));
  s.stepUpTimeoutMs = settings::durationMs(config, "step_up_timeout", 60'000);
  return s;
}

}  // namespace moat::remoteauth
