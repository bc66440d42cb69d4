#include "cli/OidcFlags.h"

#include <cstdio>
#include <cstdlib>

#include "moat/json.hpp"

namespace moat::cli {
namespace {

json::Value stringArray(const std::string& commaSeparated) {
  json::Value out = json::Value::makeArray();
  std::string word;
  for (char c : commaSeparated + ",") {
    if (c == ',' || c == ' ') {
      if (!word.empty()) out.mutableItems().push_back(json::Value::makeString(word));
      word.clear();
    } else {
      word += c;
    }
  }
  return out;
}

}  // namespace

const std::vector<FlagSpec>& oidcFlags() {
  static const std::vector<FlagSpec> flags = {
      {"resource-url", "URL", "the RFC 9728 resource (what token audiences name); derived from requests when absent"},
      {"oidc-issuer", "URL", "protect the server with bearer tokens from this issuer (auth-oidc)"},
      {"oidc-audience", "AUD", "audience the token must carry (default: the resource URL)"},
      {"oidc-jwks-url", "URL", "signing keys URL (default: discovered from the issuer)"},
      {"oidc-client-id", "ID", "client id for token introspection"},
      {"oidc-client-secret", "SECRET", "client secret for introspection (visible in ps: prefer the file or MOAT_OIDC_CLIENT_SECRET)"},
      {"oidc-client-secret-file", "FILE", "file holding the client secret"},
      {"oidc-introspection-url", "URL", "RFC 7662 endpoint for opaque tokens (default: discovered)"},
      {"oidc-scopes", "S1,S2", "scopes every request's token must carry"},
  };
  return flags;
}

std::optional<config::StageConfig> oidcStageFromFlags(const Args& args) {
  bool any = false;
  for (const auto& flag : oidcFlags())
    if (flag.name.rfind("oidc-", 0) == 0 && args.has(flag.name)) any = true;
  if (!any) return std::nullopt;
  if (!args.has("oidc-issuer")) throw UsageError("the --oidc-* flags need --oidc-issuer");
  json::Value stage = json::Value::makeObject();
  auto& m = stage.mutableMembers();
  auto copy = [&](const char* flag, const char* key) {
    if (auto v = args.get(flag)) m[key] = json::Value::makeString(*v);
  };
  copy("oidc-issuer", "issuer");
  copy("oidc-jwks-url", "jwks_url");
  copy("oidc-client-id", "client_id");
  copy("oidc-client-secret-file", "client_secret_file");
  copy("oidc-introspection-url", "introspection_url");
  if (auto audience = args.get("oidc-audience")) m["audience"] = stringArray(*audience);
  if (auto scopes = args.get("oidc-scopes")) m["scopes"] = stringArray(*scopes);
  if (auto secret = args.get("oidc-client-secret")) {
    std::fprintf(stderr, "moat: warning: --oidc-client-secret is visible to every user of this machine (ps); "
                         "prefer --oidc-client-secret-file or MOAT_OIDC_CLIENT_SECRET\n");
    m["client_secret"] = json::Value::makeString(*secret);
  } else if (!args.has("oidc-client-secret-file") && std::getenv("MOAT_OIDC_CLIENT_SECRET")) {
    m["client_secret_env"] = json::Value::makeString("MOAT_OIDC_CLIENT_SECRET");
  }
  config::StageConfig out;
  out.plugin = "auth-oidc";
  out.configJson = json::write(stage);
  out.where = config::Location{"(command line)", 0, 0, "--oidc-*"};
  return out;
}

std::string resourceUrlFromFlags(const Args& args) {
  auto resource = args.get("resource-url");
  if (!resource) return {};
  if (resource->rfind("http://", 0) != 0 && resource->rfind("https://", 0) != 0)
    throw UsageError("--resource-url must be an http:// or https:// URL");
  return *resource;
}

}  // namespace moat::cli
