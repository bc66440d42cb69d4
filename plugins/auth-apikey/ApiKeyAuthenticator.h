// auth-apikey: requests carrying one of the API keys in a file. Keys are stored as SHA-256
// digests ("name:sha256:HEX"; plain "name:key" lines are accepted with a warning) and compared
// in constant time. For edge protection and development, not for production identity.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "moat/plugin.hpp"

class ApiKeyAuthenticator : public moat::Filter {
 public:
  // config: {"keys_file": path, "header": "X-API-Key"}; header "Authorization" reads a Bearer key.
  ApiKeyAuthenticator(const moat::Host& host, const moat::json::Value& config);
  moat::Status onRequest(moat::Request& request) override;

 private:
  std::optional<std::string> presentedKey(moat::Request& request) const;
  moat::Host host_;
  std::string header_;
  std::vector<std::pair<std::string, std::string>> digests_;  // name, SHA-256 of the key
};
