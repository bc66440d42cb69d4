// Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0), fetched from the
// well-known URIs in the order the MCP authorization spec gives for issuers with a path.
#pragma once

#include <string>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::oidc {

struct ServerMetadata {
  std::string issuer;
  std::string jwksUri;
  std::string introspectionEndpoint;
  std::vector<std::string> scopesSupported;
  // For clients of the server (remote auth): where to send the user and trade the code.
  std::string authorizationEndpoint;
  std::string tokenEndpoint;
  std::string registrationEndpoint;
  std::vector<std::string> codeChallengeMethodsSupported;
  std::vector<std::string> tokenEndpointAuthMethodsSupported;
  bool issParameterSupported = false;  // RFC 9207: the callback carries iss
  bool clientIdMetadataDocumentSupported = false;  // a client id may be the URL of its metadata
};

// The URIs tried, in order: RFC 8414 path-inserted, OIDC path-inserted, OIDC path-appended
// (for https://host/tenant); RFC 8414 then OIDC for an issuer without a path.
std::vector<std::string> discoveryUrls(const std::string& issuer);

// The fields of a metadata document, whatever its issuer (the caller checks that).
ServerMetadata parseServerMetadata(const json::Value& document);

// Throws std::runtime_error naming every URI tried and why each failed. A document whose
// "issuer" differs from `issuer` is refused (RFC 8414 §3.3).
ServerMetadata discover(const Host& host, const std::string& issuer, uint32_t timeoutMs);

// http:// is accepted only for loopback hosts (test IdPs); anything else must be https://.
// Throws std::runtime_error naming `what`.
void requireSecureUrl(const std::string& url, const std::string& what);

}  // namespace moat::oidc
