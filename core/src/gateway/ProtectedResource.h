// RFC 9728 protected-resource metadata: which URL names a server as a resource, where its
// metadata document lives, and the document itself, built from the pipeline's authenticators.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>

#include <string>
#include <string_view>

#include "config/Config.h"
#include "gateway/Route.h"

namespace moat::gateway {

inline constexpr std::string_view kMetadataWellKnown = "/.well-known/oauth-protected-resource";

struct ResourceUrls {
  std::string resource;
  std::string metadata;
};

// The server's resource_url when configured, else scheme://Host/path as the client reached it.
ResourceUrls resourceUrlsFor(const config::ServerConfig& server, const config::ListenerConfig& listener,
                             const Poco::Net::HTTPServerRequest& request);

// The well-known URI with the resource's path inserted after the authority (RFC 9728 §3.1).
std::string metadataUrlFor(const std::string& resourceUrl);

// The metadata document, or "" when no stage of the route describes an authorization server.
std::string metadataDocument(const Route& route, const std::string& resourceUrl);

// Serves GET on the well-known URI for one route.
Poco::Net::HTTPRequestHandler* newMetadataHandler(const Route& route, const config::ListenerConfig& listener);

}  // namespace moat::gateway
