#include "cli/TokenExchangeFlags.h"

#include <cstdio>
#include <cstdlib>

#include "moat/json.hpp"

namespace moat::cli {

const std::vector<FlagSpec>& tokenExchangeFlags() {
  static const std::vector<FlagSpec> flags = {
      {"token-exchange-url", "URL", "exchange the caller's token at this RFC 8693 token endpoint before forwarding"},
      {"token-exchange-client-id", "ID", "the gateway's client id at the token endpoint"},
      {"token-exchange-client-secret", "SECRET",
       "its secret (visible in ps: prefer the file or MOAT_TOKEN_EXCHANGE_CLIENT_SECRET)"},
      {"token-exchange-client-secret-file", "FILE", "file holding the client secret"},
      {"token-exchange-audience", "AUD", "audience of the exchanged token (the backend)"},
      {"token-exchange-scopes", "S1,S2", "scopes to ask for"},
      {"token-exchange-subject-token-type", "TYPE", "access_token (default), id_token, jwt or a full URN"},
      {"token-exchange-header-name", "NAME", "send the exchanged token in this header instead of Authorization"},
  };
  return flags;
}

std::optional<config::StageConfig> tokenExchangeStageFromFlags(const Args& args, bool callerAuthenticated, bool remoteLogin) {
  bool any = false;
  for (const auto& flag : tokenExchangeFlags())
    if (args.has(flag.name)) any = true;
  if (!any) return std::nullopt;
  if (!args.has("token-exchange-url")) throw UsageError("the --token-exchange-* flags need --token-exchange-url");
  if (!callerAuthenticated && !remoteLogin)
    throw UsageError("--token-exchange-url exchanges the caller's validated token (give --oidc-issuer) or your own login's (give --remote-auth)");
  json::Value stage = json::Value::makeObject();
  auto& m = stage.mutableMembers();
  auto copy = [&](const char* flag, const char* key) {
    if (auto v = args.get(flag)) m[key] = json::Value::makeString(*v);
  };
  copy("token-exchange-url", "token_url");
  copy("token-exchange-client-id", "client_id");
  copy("token-exchange-client-secret-file", "client_secret_file");
  copy("token-exchange-audience", "audience");
  copy("token-exchange-scopes", "scopes");
  copy("token-exchange-subject-token-type", "subject_token_type");
  copy("token-exchange-header-name", "header_name");
  if (auto secret = args.get("token-exchange-client-secret")) {
    std::fprintf(stderr, "moat: warning: --token-exchange-client-secret is visible to every user of this machine (ps); "
                         "prefer --token-exchange-client-secret-file or MOAT_TOKEN_EXCHANGE_CLIENT_SECRET\n");
    m["client_secret"] = json::Value::makeString(*secret);
  } else if (!args.has("token-exchange-client-secret-file")) {
    // ToolHive's variable is honoured too, so an existing deployment's environment works as is.
    for (const char* name : {"MOAT_TOKEN_EXCHANGE_CLIENT_SECRET", "TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET"})
      if (const char* value = std::getenv(name); value && *value) {
        m["client_secret_env"] = json::Value::makeString(name);
        break;
      }
  }
  if (remoteLogin) {
    // The login's ID token for an id_token exchange (Okta -> Google STS), else its access token.
    std::string type = args.get("token-exchange-subject-token-type").value_or("access_token");
    bool idToken = type == "id_token" || type == "urn:ietf:params:oauth:token-type:id_token";
    m["subject_token"] = json::Value::makeString(idToken ? "credential:remote_auth_id_token" : "credential:remote_auth_access_token");
  }
  config::StageConfig out;
  out.plugin = "exchange-rfc8693";
  out.configJson = json::write(stage);
  out.where = config::Location{"(command line)", 0, 0, "--token-exchange-*"};
  return out;
}

}  // namespace moat::cli
