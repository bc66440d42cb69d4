#include "ResourceDiscovery.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "oauth/Discovery.h"

namespace moat::remoteauth {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::string headerValue(const std::string& headerLines, const std::string& name) {
  const std::string wanted = lower(name) + ":";
  size_t start = 0;
  while (start < headerLines.size()) {
    size_t end = headerLines.find("\r\n", start);
    if (end == std::string::npos) end = headerLines.size();
    std::string line = headerLines.substr(start, end - start);
    if (lower(line.substr(0, wanted.size())) == wanted) {
      std::string value = line.substr(wanted.size());
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
    start = end + 2;
  }
  return {};
}

BearerChallenge parseBearerChallenge(const std::string& header) {
  BearerChallenge out;
  if (lower(header.substr(0, 6)) != "bearer") return out;
  size_t i = 6;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = lower(header.substr(i, eq - i));
    std::string value;
    i = eq + 1;
    if (i < header.size() && header[i] == '"') {
      for (++i; i < header.size() && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i];
      }
      ++i;
    } else {
      size_t end = header.find(',', i);
      value = header.substr(i, end == std::string::npos ? std::string::npos : end - i);
      i = end == std::string::npos ? header.size() : end;
    }
    if (key == "resource_metadata") out.resourceMetadata = value;
    else if (key == "scope") out.scope = value;
    else if (key == "error") out.error = value;
  }
  return out;
}

std::pair<std::string, std::string> originAndPath(const std::string& url) {
  size_t scheme = url.find("://");
  size_t pathStart = scheme == std::string::npos ? std::string::npos : url.find_first_of("/?#", scheme + 3);
  std::string origin = url.substr(0, pathStart);
  std::string path = pathStart == std::string::npos ? std::string() : url.substr(pathStart);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.pop_back();
  return {origin, path};
}

namespace {

class ResourceMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace

bool resourceCovers(const std::string& declared, const std::string& server) {
  auto [declaredOrigin, declaredPath] = originAndPath(declared);
  auto [serverOrigin, serverPath] = originAndPath(server);
  if (lower(declaredOrigin) != lower(serverOrigin)) return false;
  return declaredPath.empty() || serverPath == declaredPath || serverPath.rfind(declaredPath + "/", 0) == 0;
}

std::vector<std::string> protectedResourceMetadataUrls(const std::string& resource) {
  auto [origin, path] = originAndPath(resource);
  std::vector<std::string> urls;
  if (!path.empty()) urls.push_back(origin + "/.well-known/oauth-protected-resource" + path);
  urls.push_back(origin + "/.well-known/oauth-protected-resource");
  return urls;
}

ProtectedResourceInfo discoverProtectedResource(const Host& host, const std::string& resource, uint32_t timeoutMs) {
  ProtectedResourceInfo info;
  const std::string initialize =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"moat","version":"1"}}})";
  Host::HttpResponse probe = host.fetch("POST", resource, {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}},
                                        initialize, timeoutMs);
  std::vector<std::string> candidates;
  if (probe.status == 401) {
    BearerChallenge challenge = parseBearerChallenge(headerValue(probe.headers, "WWW-Authenticate"));
    info.challengeScope = challenge.scope;
    if (!challenge.resourceMetadata.empty()) candidates.push_back(challenge.resourceMetadata);
  }
  for (const auto& url : protectedResourceMetadataUrls(resource)) candidates.push_back(url);
  std::string failures;
  bool noneFound = true;  // every URL answered 4xx
  for (const auto& url : candidates) {
    bool absent = false;
    try {
      oidc::requireSecureUrl(url, "the resource metadata URL");
      Host::HttpResponse response = host.fetch("GET", url, {{"Accept", "application/json"}}, {}, timeoutMs);
      absent = response.status >= 400 && response.status < 500;
      if (response.status != 200) throw std::runtime_error("HTTP " + std::to_string(response.status));
      json::Value doc = json::parse(response.body);
      if (const json::Value* declared = doc.find("resource"); declared && declared->isString() && !resourceCovers(declared->asString(), resource))
        throw ResourceMismatch("the protected-resource metadata at " + url + " is for " + declared->asString() + ", not " + resource +
                               " (RFC 9728 §3.3); refusing to log in where it points");
      const json::Value* servers = doc.find("authorization_servers");
      if (!servers || !servers->isArray() || servers->items().empty() || !servers->items()[0].isString())
        throw std::runtime_error("no authorization_servers");
      info.authorizationServer = servers->items()[0].asString();
      if (const json::Value* scopes = doc.find("scopes_supported"); scopes && scopes->isArray())
        for (const auto& s : scopes->items())
          if (s.isString()) info.scopesSupported.push_back(s.asString());
      return info;
    } catch (const ResourceMismatch&) {
      throw;
    } catch (const std::exception& e) {
      if (!absent) noneFound = false;
      failures += (failures.empty() ? "" : "; ") + url + ": " + e.what();
    }
  }
  std::string what = "cannot find the authorization server of " + resource + " (it answered HTTP " + std::to_string(probe.status) + "; " + failures + ")";
  if (noneFound) throw NoResourceMetadata(what);
  throw std::runtime_error(what + "; give --remote-auth-issuer");
}

}  // namespace moat::remoteauth
