// Outbound HTTP(S) calls made on behalf of plugins: one place for TLS verification and timeouts.
#pragma once

#include <Poco/Net/Context.h>

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

// The TLS context of every outbound connection, fetches and upstreams alike: certificates are
// verified against the system store, and there is no switch to turn that off.
Poco::Net::Context::Ptr clientTlsContext();

}  // namespace moat::net
