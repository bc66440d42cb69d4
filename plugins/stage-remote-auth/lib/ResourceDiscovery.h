// How a client finds the authorization server of an MCP server it has no issuer for (MCP
// authorization, 2025-11-25): ask the server, read the 401's WWW-Authenticate (RFC 6750, with
// RFC 9728's resource_metadata), fetch the protected-resource metadata (from that URL, else the
// path-inserted then the root well-known URI) and take its first authorization server.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::remoteauth {

struct BearerChallenge {
  std::string resourceMetadata;
  std::string scope;
  std::string error;
};

// Parses `Bearer k="v", k2=v2` (quoted or token values). Fields absent stay empty.
BearerChallenge parseBearerChallenge(const std::string& header);

// The value of a header in Host::fetch's "Name: value\r\n" lines, case-insensitive name.
std::string headerValue(const std::string& headerLines, const std::string& name);

// scheme://authority, and the path without query, fragment or trailing slashes.
std::pair<std::string, std::string> originAndPath(const std::string& url);

std::vector<std::string> protectedResourceMetadataUrls(const std::string& resource);

struct ProtectedResourceInfo {
  std::string authorizationServer;
  std::vector<std::string> scopesSupported;
  std::string challengeScope;
};

// Every metadata URL answered 4xx: the server publishes none, as servers of the 2025-03-26
// spec do (see LegacyDiscovery.h).
class NoResourceMetadata : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether metadata naming `declared` as its resource may speak for the MCP server at `server`
// (RFC 9728 §3.3): the same origin, and the server's path the declared path or under it (a
// resource at the origin's root covers every path there).
bool resourceCovers(const std::string& declared, const std::string& server);

// Throws NoResourceMetadata; std::runtime_error naming both URLs when a document declares
// another resource (an attacker's metadata must not choose the authorization server); or
// std::runtime_error for anything else, saying what was tried.
ProtectedResourceInfo discoverProtectedResource(const Host& host, const std::string& resource, uint32_t timeoutMs);

}  // namespace moat::remoteauth
