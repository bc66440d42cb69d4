// Checks made before anything else looks at a request: the Host and Origin headers, which stop
// DNS-rebinding attacks against a gateway bound to loopback and cross-site browser requests.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>

#include <optional>
#include <string>

#include "config/Config.h"

namespace moat::gateway {

class IngressGuard {
 public:
  explicit IngressGuard(const config::ListenerConfig& listener);
  // The reason to refuse the request, or nullopt to let it in.
  std::optional<std::string> check(const Poco::Net::HTTPServerRequest& request) const;

 private:
  bool hostAllowed(const std::string& hostHeader) const;
  bool originAllowed(const std::string& origin) const;
  bool loopbackBind_;
  std::vector<std::string> allowedHosts_;
  std::vector<std::string> allowedOrigins_;
};

bool isLoopbackName(const std::string& host);

}  // namespace moat::gateway
