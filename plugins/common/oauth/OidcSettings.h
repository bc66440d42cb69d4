// The auth-oidc stage configuration, read from the stage's JSON with errors that name the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "oauth/Algorithm.h"
#include "oauth/ClaimsPolicy.h"
#include "oauth/JwksCache.h"
#include "moat/plugin.hpp"

namespace moat::oidc {

struct OidcSettings {
  ClaimsPolicy claims;
  std::vector<Algorithm> algorithms;
  std::string jwksUrl;           // discovered from the issuer when empty
  std::string introspectionUrl;  // discovered when empty and client credentials are set
  std::string clientId;
  std::string clientSecret;
  std::vector<std::string> requiredScopes;
  std::map<std::string, std::vector<std::string>> methodScopes;  // JSON-RPC method -> scopes
  std::vector<std::string> scopesSupported;                      // advertised in RFC 9728 metadata
  JwksSettings jwks;
  size_t tokenCacheSize = 10'000;
  int64_t introspectionCacheMaxSeconds = 0;  // 0: until the token's expiry
  bool discover = true;                      // fetch the issuer's metadata (off when every URL is given)
};

// Throws std::runtime_error "key: problem". Secrets come from client_secret_file,
// client_secret_env, or client_secret (after the loader's ${ENV} expansion).
OidcSettings readOidcSettings(const Host& host, const json::Value& config);

}  // namespace moat::oidc
