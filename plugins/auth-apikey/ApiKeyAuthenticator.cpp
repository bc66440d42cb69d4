#include "ApiKeyAuthenticator.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <strings.h>

#include <sstream>

namespace {

std::string sha256(std::string_view text) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::optional<std::string> fromHex(const std::string& hex) {
  if (hex.size() != 64) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = std::isxdigit(static_cast<unsigned char>(hex[i])) ? std::stoi(hex.substr(i, 1), nullptr, 16) : -1;
    int lo = std::isxdigit(static_cast<unsigned char>(hex[i + 1])) ? std::stoi(hex.substr(i + 1, 1), nullptr, 16) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

ApiKeyAuthenticator::ApiKeyAuthenticator(const moat::Host& host, const moat::json::Value& config) : host_(host) {
  for (const auto& [key, value] : config.members())
    if (key != "keys_file" && key != "header") throw std::runtime_error(key + ": unknown key");
  header_ = config.stringOr("header", "X-API-Key");
  std::string file = config.stringOr("keys_file", "");
  if (file.empty()) throw std::runtime_error("keys_file: required (lines of name:sha256:HEX)");
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
      auto digest = fromHex(rest.substr(7));
      if (!digest) throw std::runtime_error(where + ": sha256: must be followed by 64 hex digits");
      digests_.emplace_back(name, *digest);
    } else {
      plain = true;
      digests_.emplace_back(name, sha256(rest));
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
    std::string digest = sha256(*presented);
    for (const auto& [n, d] : digests_)  // every entry is compared: the time does not depend on which matched
      if (CRYPTO_memcmp(d.data(), digest.data(), digest.size()) == 0) name = &n;
  }
  if (!name) {
    host_.count(presented ? "rejected" : "missing");
    return request.replyRpcError(401, -32001, presented ? "invalid API key" : "missing API key in " + header_,
                                 {{"WWW-Authenticate", "ApiKey header=\"" + header_ + "\""}});
  }
  host_.count("accepted");
  request.setIdentity(*name, "{\"auth\":\"api-key\"}");
  return moat::Status::Continue;
}

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHENTICATOR, "auth-apikey", "1.0.0",
                   "accepts requests carrying an API key whose SHA-256 is in a file (edge protection)", ApiKeyAuthenticator)
