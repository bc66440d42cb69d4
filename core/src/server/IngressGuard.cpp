#include "server/IngressGuard.h"

#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <string_view>

namespace moat::gateway {
namespace {

// "host:port", "[::1]:port" or "host" → host, lower-cased, brackets kept for IPv6.
std::string hostOnly(const std::string& hostHeader) {
  std::string host = Poco::toLower(hostHeader);
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return close == std::string::npos ? host : host.substr(0, close + 1);
  }
  auto colon = host.find(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& item) { return Poco::icompare(item, value) == 0; });
}

}  // namespace

// 127.0.0.0/8 as a dotted quad only: "127.attacker.example" is a name, not a loopback address.
// Checked here rather than with IPAddress::tryParse, which runs on every request's Host header.
bool isLoopbackQuad(std::string_view host) {
  if (host.substr(0, 4) != "127.") return false;
  int parts = 0;
  while (!host.empty()) {
    size_t dot = host.find('.');
    std::string_view part = host.substr(0, dot);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255 || ++parts > 4) return false;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
    if (host.empty()) return false;  // a trailing dot
  }
  return parts == 4;
}

bool isLoopbackName(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host == "::1" || isLoopbackQuad(host);
}

IngressGuard::IngressGuard(const config::ListenerConfig& listener)
    : loopbackBind_(isLoopbackName(listener.address)),
      allowedHosts_(listener.allowedHosts),
      allowedOrigins_(listener.allowedOrigins) {}

bool IngressGuard::hostAllowed(const std::string& hostHeader) const {
  std::string host = hostOnly(hostHeader);
  if (contains(allowedHosts_, host) || contains(allowedHosts_, hostHeader) || contains(allowedHosts_, "*")) return true;
  if (loopbackBind_) return isLoopbackName(host);
  return allowedHosts_.empty();
}

bool IngressGuard::originAllowed(const std::string& origin) const {
  if (contains(allowedOrigins_, origin)) return true;
  try {
    Poco::URI uri(origin);
    return loopbackBind_ && isLoopbackName(Poco::toLower(uri.getHost()));
  } catch (const Poco::Exception&) {
    return false;
  }
}

std::optional<std::string> IngressGuard::check(const Poco::Net::HTTPServerRequest& request) const {
  if (!request.has("Host")) return "missing Host header";
  if (!hostAllowed(request.getHost())) return "Host header '" + request.getHost() + "' is not allowed on this listener";
  if (request.has("Origin") && !originAllowed(request.get("Origin")))
    return "Origin '" + request.get("Origin") + "' is not allowed; add it to listen.allowed_origins";
  return std::nullopt;
}

}  // namespace moat::gateway
