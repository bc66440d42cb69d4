#include "LegacyDiscovery.h"

#include <stdexcept>

#include "ResourceDiscovery.h"

namespace moat::remoteauth {

std::string authorizationBaseUrl(const std::string& serverUrl) { return originAndPath(serverUrl).first; }

LegacyAuthorizationServer discoverLegacyAuthorizationServer(const Host& host, const std::string& serverUrl, uint32_t timeoutMs) {
  LegacyAuthorizationServer found;
  found.baseUrl = authorizationBaseUrl(serverUrl);
  const std::string metadataUrl = found.baseUrl + "/.well-known/oauth-authorization-server";
  Host::HttpResponse response =
      host.fetch("GET", metadataUrl, {{"Accept", "application/json"}, {"MCP-Protocol-Version", "2025-03-26"}}, {}, timeoutMs);
  if (response.status == 200) {
    try {
      found.metadata = oidc::parseServerMetadata(json::parse(response.body));
    } catch (const std::exception& e) {
      throw std::runtime_error(metadataUrl + " is not a metadata document: " + e.what());
    }
    // 2025-03-26 derives the base URL from the server, not from an issuer, so the document's
    // issuer need not be the URL it was read from; it is kept for the RFC 9207 check.
    if (found.metadata.issuer.empty()) found.metadata.issuer = found.baseUrl;
    return found;
  }
  if (response.status < 400 || response.status >= 500)
    throw std::runtime_error(metadataUrl + " answered HTTP " + std::to_string(response.status));
  found.defaultEndpoints = true;
  found.metadata.issuer = found.baseUrl;
  found.metadata.authorizationEndpoint = found.baseUrl + "/authorize";
  found.metadata.tokenEndpoint = found.baseUrl + "/token";
  found.metadata.registrationEndpoint = found.baseUrl + "/register";
  return found;
}

}  // namespace moat::remoteauth
