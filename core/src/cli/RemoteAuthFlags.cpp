#include "cli/RemoteAuthFlags.h"

#include <cstdio>
#include <cstdlib>

#include "cli/WorkloadState.h"
#include "moat/json.hpp"

namespace moat::cli {

const std::vector<FlagSpec>& remoteAuthFlags() {
  static const std::vector<FlagSpec> flags = {
      {"remote-auth", "", "log in to the target's authorization server (OAuth 2.1 code + PKCE) and forward with your token"},
      {"remote-auth-issuer", "URL", "the authorization server (default: found from the target's 401 and its RFC 9728 metadata)"},
      {"remote-auth-client-id", "ID", "a client registered with it (default: dynamic client registration)"},
      {"remote-auth-client-secret", "SECRET", "its secret (visible in ps: prefer the file or MOAT_REMOTE_AUTH_CLIENT_SECRET)"},
      {"remote-auth-client-secret-file", "FILE", "file holding the client secret"},
      {"remote-auth-client-metadata-url", "URL", "https URL of your Client ID Metadata Document, used as the client id where the server supports it"},
      {"remote-auth-scopes", "S1,S2", "scopes to ask for (default: what the target's metadata lists)"},
      {"remote-auth-callback-port", "N", "local port of the login callback (default 8666: http://localhost:8666/callback)"},
      {"remote-auth-skip-browser", "", "print the login URL instead of opening a browser"},
      {"remote-auth-authorize-url", "URL", "authorization endpoint, to skip discovery (with --remote-auth-token-url)"},
      {"remote-auth-token-url", "URL", "token endpoint, to skip discovery"},
  };
  return flags;
}

std::string remoteAuthLoginFile(const std::string& name) { return stateDirectory() + "/remote-auth/" + name + ".login"; }

int runLogout(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("moat logout takes one NAME (the name given to moat proxy)");
  std::string file = remoteAuthLoginFile(args.positional.front());
  if (std::remove(file.c_str()) != 0) {
    std::printf("moat: no saved login for %s\n", args.positional.front().c_str());
    return 0;
  }
  std::printf("moat: forgot the login for %s; the next moat proxy --remote-auth logs in again\n", args.positional.front().c_str());
  return 0;
}

std::optional<config::StageConfig> remoteAuthStageFromFlags(const Args& args, const std::string& name, const std::string& resource) {
  bool any = false;
  for (const auto& flag : remoteAuthFlags())
    if (flag.name != "remote-auth" && args.has(flag.name)) any = true;
  if (!args.has("remote-auth")) {
    if (any) throw UsageError("the --remote-auth-* flags go with --remote-auth");
    return std::nullopt;
  }
  json::Value stage = json::Value::makeObject();
  auto& m = stage.mutableMembers();
  m["name"] = json::Value::makeString(name);
  m["resource"] = json::Value::makeString(resource);
  m["token_directory"] = json::Value::makeString(stateDirectory() + "/remote-auth");
  auto copy = [&](const char* flag, const char* key) {
    if (auto v = args.get(flag)) m[key] = json::Value::makeString(*v);
  };
  copy("remote-auth-issuer", "issuer");
  copy("remote-auth-client-id", "client_id");
  copy("remote-auth-client-secret-file", "client_secret_file");
  copy("remote-auth-client-metadata-url", "client_metadata_url");
  copy("remote-auth-scopes", "scopes");
  copy("remote-auth-authorize-url", "authorize_url");
  copy("remote-auth-token-url", "token_url");
  if (auto port = args.get("remote-auth-callback-port")) m["callback_port"] = json::Value::makeNumber(std::atoi(port->c_str()));
  if (args.has("remote-auth-skip-browser")) m["open_browser"] = json::Value::makeBool(false);
  if (auto secret = args.get("remote-auth-client-secret")) {
    std::fprintf(stderr, "moat: warning: --remote-auth-client-secret is visible to every user of this machine (ps); "
                         "prefer --remote-auth-client-secret-file or MOAT_REMOTE_AUTH_CLIENT_SECRET\n");
    m["client_secret"] = json::Value::makeString(*secret);
  } else if (!args.has("remote-auth-client-secret-file")) {
    for (const char* variable : {"MOAT_REMOTE_AUTH_CLIENT_SECRET", "TOOLHIVE_REMOTE_AUTH_CLIENT_SECRET"})
      if (const char* value = std::getenv(variable); value && *value) {
        m["client_secret_env"] = json::Value::makeString(variable);
        break;
      }
  }
  config::StageConfig out;
  out.plugin = "stage-remote-auth";
  out.configJson = json::write(stage);
  out.where = config::Location{"(command line)", 0, 0, "--remote-auth-*"};
  return out;
}

}  // namespace moat::cli
