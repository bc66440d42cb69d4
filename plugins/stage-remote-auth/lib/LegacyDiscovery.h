// How a client of the MCP 2025-03-26 spec finds the authorization server: the server publishes
// no RFC 9728 metadata, and its authorization base URL is its own URL without the path. RFC 8414
// metadata is read there; when that is absent too, the spec's default endpoints /authorize,
// /token and /register at the base URL apply.
#pragma once

#include <string>

#include "oauth/Discovery.h"
#include "moat/plugin.hpp"

namespace moat::remoteauth {

struct LegacyAuthorizationServer {
  std::string baseUrl;
  oidc::ServerMetadata metadata;
  bool defaultEndpoints = false;  // no metadata: the endpoints are the spec's defaults
};

// The base URL of an MCP server URL: scheme and authority.
std::string authorizationBaseUrl(const std::string& serverUrl);

// Throws std::runtime_error when the metadata URL answers other than 200 or 4xx, or its
// document is not JSON.
LegacyAuthorizationServer discoverLegacyAuthorizationServer(const Host& host, const std::string& serverUrl, uint32_t timeoutMs);

}  // namespace moat::remoteauth
