// RFC 8693 token exchange at a token endpoint: the subject token in, a token for the upstream
// out, with the gateway authenticated as a client (RFC 6749 §2.3.1).
#pragma once

#include <string>

#include "exchange/ExchangeStage.h"
#include "exchange/Rfc8693Settings.h"

namespace moat::exchange {

class Rfc8693Exchanger : public ExchangeStage {
 public:
  Rfc8693Exchanger(const Host& host, Rfc8693Settings settings);

  // The form body sent for `subjectToken` (exposed for tests: the exact wire request).
  std::string requestBody(const std::string& subjectToken) const;

 protected:
  ExchangeResult exchange(const std::string& subjectToken) override;

 private:
  Rfc8693Settings settings_;
};

}  // namespace moat::exchange
