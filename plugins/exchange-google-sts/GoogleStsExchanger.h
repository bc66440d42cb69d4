// Google Security Token Service exchange (Workload and Workforce Identity Federation): the
// subject token (typically an Okta or other OIDC ID token) becomes a federated Google access
// token, optionally turned into a service account's token through IAM Credentials
// generateAccessToken. No service account key exists anywhere.
#pragma once

#include <string>

#include "exchange/ExchangeStage.h"
#include "GoogleStsSettings.h"

namespace moat::exchange {

class GoogleStsExchanger : public ExchangeStage {
 public:
  GoogleStsExchanger(const Host& host, GoogleStsSettings settings);

  // The form body sent to STS for `subjectToken` (exposed for tests: the exact wire request).
  std::string stsRequestBody(const std::string& subjectToken) const;

 protected:
  ExchangeResult exchange(const std::string& subjectToken) override;

 private:
  ExchangeResult impersonate(const std::string& federatedToken);

  GoogleStsSettings settings_;
};

// "2014-10-02T15:01:23Z" or with fractional seconds / an offset -> Unix ms, or 0.
int64_t parseRfc3339Ms(const std::string& text);

// Google API error bodies ({"error":{"code","message","status"}}) as one readable line.
std::string googleErrorMessage(const Host::HttpResponse& response);

}  // namespace moat::exchange
