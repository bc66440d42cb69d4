// api-key: an authenticator that accepts requests carrying one of the keys in a file. Meant for
// edge protection in development and tunnels; it logs that it is not for production.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "moat/plugin.hpp"

class ApiKeyAuthenticator : public moat::Filter {
 public:
  // config: {"keys_file": path, "header": "X-API-Key"}. Each line of the file is "name:key";
  // the name becomes the request's identity.
  ApiKeyAuthenticator(const moat::Host& host, const moat::json::Value& config);
  moat::Status onRequest(moat::Request& request) override;

 private:
  const std::string* match(std::string_view presented) const;
  moat::Host host_;
  std::string header_;
  std::vector<std::pair<std::string, std::string>> keys_;  // name, key
};
