// stage-remote-auth's configuration: which authorization server to log the developer in to,
// with which client, and what to do with the tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::remoteauth {

struct RemoteAuthSettings {
  std::string name;      // names the saved login (moat logout NAME)
  std::string resource;  // the MCP server's URL: the RFC 8707 resource, and where discovery starts
  std::string issuer;    // empty: found from the resource's 401 and its RFC 9728 metadata
  std::string authorizeUrl, tokenUrl;  // both, to skip discovery
  std::string clientId, clientSecret;  // empty id: dynamic client registration (RFC 7591)
  std::string clientMetadataUrl;       // the https URL of our Client ID Metadata Document, if hosted
  std::vector<std::string> scopes;     // empty: what the resource's metadata or challenge asks
  int callbackPort = 8666;
  bool openBrowser = true;
  bool injectAuthorization = true;  // Authorization: Bearer <access token> on upstream requests
  std::string tokenDirectory;       // where the encrypted refresh token is kept
  int64_t timeoutMs = 10'000;
  int64_t loginTimeoutMs = 300'000;
  int64_t refreshSkewMs = 60'000;
  int maxScopeStepUps = 2;  // new logins on 403 insufficient_scope in one run
  int64_t stepUpTimeoutMs = 60'000;  // how long the request that met the 403 waits for that login
};

// Throws std::runtime_error naming the key.
RemoteAuthSettings readRemoteAuthSettings(const Host& host, const json::Value& config);

// The state directory the CLI uses: $MOAT_STATE_DIR, $XDG_STATE_HOME/moat or ~/.local/state/moat.
std::string defaultTokenDirectory(const Host& host);

}  // namespace moat::remoteauth
