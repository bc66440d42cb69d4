// The exchange-google-sts stage configuration: which workload or workforce identity pool
// provider Google's Security Token Service should trust, and, optionally, which service
// account to impersonate with the federated token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exchange/ExchangeStage.h"
#include "moat/plugin.hpp"

namespace moat::exchange {

struct GoogleStsSettings {
  std::string stsUrl = "https://sts.googleapis.com/v1/token";
  std::string iamCredentialsUrl = "https://iamcredentials.googleapis.com";
  // //iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/providers/P, or
  // //iam.googleapis.com/locations/global/workforcePools/POOL/providers/P
  std::string audience;
  bool workforcePool = false;
  std::vector<std::string> scopes;
  std::string subjectTokenType;  // URN: id_token (Okta, any OIDC IdP), jwt or access_token
  std::string userProject;       // options.userProject: the project billed for a workforce pool
  std::string serviceAccount;    // impersonated with IAM Credentials generateAccessToken when set
  int64_t impersonationLifetimeSeconds = 3600;
  uint32_t timeoutMs = 5'000;
  StageSettings stage;
};

// Throws std::runtime_error "key: problem".
GoogleStsSettings readGoogleStsSettings(const json::Value& config, std::string_view instance = {});

}  // namespace moat::exchange
