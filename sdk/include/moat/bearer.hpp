// RFC 6750 bearer-token challenges for authenticator plugins: the WWW-Authenticate header that
// points an MCP client at the RFC 9728 metadata (so it can find the authorization server by
// itself) and the JSON-RPC error body that goes with it. Header-only, C++17.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "moat/plugin.hpp"

namespace moat::bearer {

struct Challenge {
  // RFC 6750 §3.1: empty when the request carried no credentials at all.
  std::string error;  // "invalid_request", "invalid_token", "insufficient_scope"
  std::string description;
  std::string scope;  // space-separated scopes the client should ask for
};

// A quoted-string (RFC 9110 §5.6.4); descriptions never carry token material, but quotes and
// backslashes in them must not end the parameter early.
inline std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  return out + "\"";
}

inline std::string wwwAuthenticate(std::string_view resourceMetadataUrl, const Challenge& challenge) {
  std::string header = "Bearer";
  auto param = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    header += header.size() == 6 ? " " : ", ";
    header.append(name).append("=").append(quoted(value));
  };
  param("resource_metadata", resourceMetadataUrl);
  param("scope", challenge.scope);
  param("error", challenge.error);
  if (!challenge.error.empty()) param("error_description", challenge.description);
  return header;
}

// Replies 401 (or 403 for insufficient_scope) with the challenge and a JSON-RPC error.
inline Status reject(Request& request, const Challenge& challenge) {
  const bool forbidden = challenge.error == "insufficient_scope";
  std::string message = challenge.description.empty() ? std::string("authentication required") : challenge.description;
  return request.replyRpcError(forbidden ? 403 : 401, forbidden ? jsonrpc::kForbidden : jsonrpc::kUnauthorized, message,
                               {{"WWW-Authenticate", wwwAuthenticate(request.resourceMetadataUrl(), challenge)}});
}

// The authorization server could not be consulted (keys or introspection unreachable): the
// request is refused, never let through, and the client may retry.
inline Status unavailable(Request& request, std::string_view why) {
  return request.replyRpcError(503, jsonrpc::kAuthUnavailable, why, {{"Retry-After", "5"}});
}

}  // namespace moat::bearer
