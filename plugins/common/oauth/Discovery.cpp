#include "oauth/Discovery.h"

#include <arpa/inet.h>

#include <stdexcept>

namespace moat::oidc {
namespace {

std::string stringMember(const json::Value& doc, std::string_view name) {
  const json::Value* v = doc.find(name);
  return v && v->isString() ? v->asString() : std::string();
}

}  // namespace

std::vector<std::string> discoveryUrls(const std::string& issuer) {
  size_t scheme = issuer.find("://");
  size_t pathStart = scheme == std::string::npos ? std::string::npos : issuer.find('/', scheme + 3);
  std::string origin = issuer.substr(0, pathStart);
  std::string path = pathStart == std::string::npos ? std::string() : issuer.substr(pathStart);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.empty())
    return {origin + "/.well-known/oauth-authorization-server", origin + "/.well-known/openid-configuration"};
  return {origin + "/.well-known/oauth-authorization-server" + path, origin + "/.well-known/openid-configuration" + path,
          origin + path + "/.well-known/openid-configuration"};
}

ServerMetadata parseServerMetadata(const json::Value& document) {
  ServerMetadata metadata;
  metadata.issuer = stringMember(document, "issuer");
  metadata.jwksUri = stringMember(document, "jwks_uri");
  metadata.introspectionEndpoint = stringMember(document, "introspection_endpoint");
  if (const json::Value* scopes = document.find("scopes_supported"); scopes && scopes->isArray())
    for (const auto& s : scopes->items())
      if (s.isString()) metadata.scopesSupported.push_back(s.asString());
  metadata.authorizationEndpoint = stringMember(document, "authorization_endpoint");
  metadata.tokenEndpoint = stringMember(document, "token_endpoint");
  metadata.registrationEndpoint = stringMember(document, "registration_endpoint");
  if (const json::Value* methods = document.find("code_challenge_methods_supported"); methods && methods->isArray())
    for (const auto& m : methods->items())
      if (m.isString()) metadata.codeChallengeMethodsSupported.push_back(m.asString());
  if (const json::Value* methods = document.find("token_endpoint_auth_methods_supported"); methods && methods->isArray())
    for (const auto& m : methods->items())
      if (m.isString()) metadata.tokenEndpointAuthMethodsSupported.push_back(m.asString());
  if (const json::Value* cimd = document.find("client_id_metadata_document_supported"); cimd && cimd->type() == json::Value::Type::Bool)
    metadata.clientIdMetadataDocumentSupported = cimd->asBool();
  if (const json::Value* iss = document.find("authorization_response_iss_parameter_supported"); iss && iss->type() == json::Value::Type::Bool)
    metadata.issParameterSupported = iss->asBool();
  return metadata;
}

ServerMetadata discover(const Host& host, const std::string& issuer, uint32_t timeoutMs) {
  std::string failures;
  for (const auto& url : discoveryUrls(issuer)) {
    try {
      Host::HttpResponse response = host.fetch("GET", url, {{"Accept", "application/json"}}, {}, timeoutMs);
      if (response.status != 200) throw std::runtime_error("HTTP " + std::to_string(response.status));
      ServerMetadata metadata = parseServerMetadata(json::parse(response.body));
      if (metadata.issuer != issuer)
        throw std::runtime_error("the document names issuer \"" + metadata.issuer + "\", not \"" + issuer + "\"");
      return metadata;
    } catch (const std::exception& e) {
      failures += (failures.empty() ? "" : "; ") + url + ": " + e.what();
    }
  }
  throw std::runtime_error("no authorization server metadata for " + issuer + " (" + failures + ")");
}

void requireSecureUrl(const std::string& url, const std::string& what) {
  if (url.rfind("https://", 0) == 0) return;
  if (url.rfind("http://", 0) == 0) {
    std::string rest = url.substr(7);
    std::string authority = rest.substr(0, rest.find('/'));
    if (authority.empty()) throw std::runtime_error(what + " has no host: " + url);
    std::string hostPart = authority.front() == '[' ? authority.substr(0, authority.find(']') + 1) : authority.substr(0, authority.find(':'));
    in_addr v4{};
    bool loopbackV4 = ::inet_pton(AF_INET, hostPart.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
    if (hostPart == "localhost" || hostPart == "[::1]" || loopbackV4) return;
    throw std::runtime_error(what + " must use https:// (plain http is accepted only on loopback): " + url);
  }
  throw std::runtime_error(what + " is not an http(s) URL: " + url);
}

}  // namespace moat::oidc
