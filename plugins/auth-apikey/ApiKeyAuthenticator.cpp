#include "ApiKeyAuthenticator.h"

#include <strings.h>

#include <sstream>

#include "crypto/ConstantTime.h"
#include "crypto/Sha256.h"
#include "moat/settings.hpp"

ApiKeyAuthenticator::ApiKeyAuthenticator(const moat::Host& host, const moat::json::Value& config) : host_(host) {
  moat::settings::checkKeys(config, {"keys_file", "header"}, host.instanceName());
  header_ = config.stringOr("header", "X-API-Key");
  std::string file = moat::settings::required(config, "keys_file", "a file of name:sha256:HEX lines");
  std::istringstream lines(host.readSecretFile(file));
  std::string line;
  bool plain = false;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    std::string where = "keys_file " + file + " line " + std::to_string(number);
    if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) throw std::runtime_error(where + ": expected name:sha256:HEX");
    std::string name = line.substr(0, colon), rest = line.substr(colon + 1);
    if (rest.rfind("sha256:", 0) == 0) {
      auto digest = moat::crypto::fromHex(rest.substr(7));
      if (!digest || digest->size() != 32) throw std::runtime_error(where + ": sha256: must be followed by 64 hex digits");
      digests_.emplace_back(name, *digest);
    } else {
      plain = true;
      digests_.emplace_back(name, moat::crypto::sha256(rest));
    }
  }
  if (digests_.empty()) throw std::runtime_error("keys_file " + file + " holds no keys");
  if (plain) host.warn("keys_file " + file + " stores keys in plain text; store name:sha256:HEX instead (sha256sum)");
  host.warn("auth-apikey is for edge protection and development, not for production identity");
}

std::optional<std::string> ApiKeyAuthenticator::presentedKey(moat::Request& request) const {
  if (::strcasecmp(header_.c_str(), "Authorization") == 0) {
    auto credential = request.clientCredential();
    if (!credential || credential->size() <= 7 || ::strncasecmp(credential->data(), "Bearer ", 7) != 0) return std::nullopt;
    return std::string(credential->substr(7));
  }
  auto value = request.header(header_);
  if (!value) return std::nullopt;
  std::string key(*value);
  request.removeHeader(header_);  // the key is for the gateway, not for the upstream
  return key;
}

moat::Status ApiKeyAuthenticator::onRequest(moat::Request& request) {
  auto presented = presentedKey(request);
  const std::string* name = nullptr;
  if (presented) {
    std::string digest = moat::crypto::sha256(*presented);
    for (const auto& [n, d] : digests_)  // every entry is compared: the time does not depend on which matched
      if (moat::crypto::constantTimeEquals(d, digest)) name = &n;
  }
  if (!name) {
    host_.count(presented ? "rejected" : "missing");
    return request.replyRpcError(401, moat::jsonrpc::kUnauthorized, presented ? "invalid API key" : "missing API key in " + header_,
                                 {{"WWW-Authenticate", "ApiKey header=\"" + header_ + "\""}});
  }
  host_.count("accepted");
  request.setIdentity(*name, "{\"auth\":\"api-key\"}");
  return moat::Status::Continue;
}

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHENTICATOR, "auth-apikey", "1.0.0",
                   "accepts requests carrying an API key whose SHA-256 is in a file (edge protection)", ApiKeyAuthenticator)
