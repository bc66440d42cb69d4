#include "ApiKeyAuthenticator.h"

#include <sstream>
#include <stdexcept>

#include "moat/settings.hpp"

namespace {

// Compares in time that depends only on the lengths, so a key cannot be guessed byte by byte.
bool equalInConstantTime(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

ApiKeyAuthenticator::ApiKeyAuthenticator(const moat::Host& host, const moat::json::Value& config) : host_(host) {
  moat::settings::checkKeys(config, {"keys_file", "header"}, host.instanceName());
  header_ = config.stringOr("header", "X-API-Key");
  std::string file = moat::settings::required(config, "keys_file", "a file of name:key lines");
  std::istringstream lines(host.readSecretFile(file));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == line.size())
      throw std::runtime_error("keys_file " + file + ": each line must be name:key");
    keys_.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  if (keys_.empty()) throw std::runtime_error("keys_file " + file + " holds no keys");
  host.warn("api-key authentication is for development and edge protection, not for production identity");
}

const std::string* ApiKeyAuthenticator::match(std::string_view presented) const {
  const std::string* found = nullptr;
  for (const auto& [name, key] : keys_)
    if (equalInConstantTime(presented, key)) found = &name;
  return found;
}

moat::Status ApiKeyAuthenticator::onRequest(moat::Request& request) {
  auto presented = request.header(header_);
  const std::string* name = presented ? match(*presented) : nullptr;
  if (!name) {
    host_.count(presented ? "rejected" : "missing");
    return request.replyRpcError(401, moat::jsonrpc::kUnauthorized, presented ? "invalid API key" : "missing API key in " + header_,
                                 {{"WWW-Authenticate", "ApiKey header=\"" + header_ + "\""}});
  }
  request.removeHeader(header_);  // the key is for the gateway, not for the upstream
  request.setIdentity(*name, "{\"auth\":\"api-key\"}");
  host_.count("accepted");
  return moat::Status::Continue;
}

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHENTICATOR, "api-key", "1.0.0", "accepts requests carrying a key from a file (sample plugin)",
                   ApiKeyAuthenticator)
