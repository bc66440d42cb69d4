// Outbound HTTP(S) calls made on behalf of plugins: one place for TLS verification and timeouts.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace moat::net {

struct FetchRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeoutMs = 10000;
};

struct FetchResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Throws std::runtime_error (without any header or body content) on transport failure.
FetchResponse fetch(const FetchRequest& request);

}  // namespace moat::net
