#include "GoogleStsSettings.h"

#include <regex>
#include <stdexcept>

#include "oauth/Discovery.h"
#include "moat/settings.hpp"
#include "oauth/TokenTypes.h"

namespace moat::exchange {
namespace {

std::set<std::string> knownKeys() {
  std::set<std::string> keys{"audience", "scopes", "subject_token_type", "user_project", "service_account",
                             "impersonation_lifetime", "sts_url", "iam_credentials_url", "timeout"};
  keys.insert(stageSettingKeys().begin(), stageSettingKeys().end());
  return keys;
}

}  // namespace

GoogleStsSettings readGoogleStsSettings(const json::Value& config, std::string_view instance) {
  settings::checkKeys(config, knownKeys(), instance);
  GoogleStsSettings s;
  s.audience = settings::text(config, "audience");
  static const std::regex workload(
      R"(//iam\.googleapis\.com/projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+/providers/[a-z0-9-]+)");
  static const std::regex workforce(R"(//iam\.googleapis\.com/locations/global/workforcePools/[a-z0-9-]+/providers/[a-z0-9-]+)");
  if (s.audience.empty())
    settings::fail("audience", "required: the pool provider's full resource name, "
                                 "//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER "
                                 "or //iam.googleapis.com/locations/global/workforcePools/POOL/providers/PROVIDER");
  s.workforcePool = std::regex_match(s.audience, workforce);
  if (!s.workforcePool && !std::regex_match(s.audience, workload))
    settings::fail("audience", "\"" + s.audience + "\" is not a workload or workforce identity pool provider name "
                                 "(//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER "
                                 "or //iam.googleapis.com/locations/global/workforcePools/POOL/providers/PROVIDER)");
  s.scopes = settings::list(config, "scopes");
  if (s.scopes.empty()) s.scopes = {"https://www.googleapis.com/auth/cloud-platform"};
  std::string type = settings::text(config, "subject_token_type");
  s.subjectTokenType = tokenTypeUrn(type.empty() ? "id_token" : type, "subject_token_type");
  if (s.subjectTokenType != kIdTokenType && s.subjectTokenType != kJwtType && s.subjectTokenType != kAccessTokenType)
    settings::fail("subject_token_type", "Google STS takes id_token, jwt or access_token from an OIDC provider");
  s.userProject = settings::text(config, "user_project");
  if (!s.userProject.empty() && !s.workforcePool)
    settings::fail("user_project", "only workforce pools take a user project (options.userProject)");
  s.serviceAccount = settings::text(config, "service_account");
  static const std::regex email(R"([a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9.-]*)");
  if (!s.serviceAccount.empty() && !std::regex_match(s.serviceAccount, email))
    settings::fail("service_account", "expected the service account's email, e.g. bq-reader@PROJECT.iam.gserviceaccount.com");
  s.impersonationLifetimeSeconds = settings::durationMs(config, "impersonation_lifetime", 3'600'000) / 1000;
  if (s.impersonationLifetimeSeconds < 1 || s.impersonationLifetimeSeconds > 43'200)
    settings::fail("impersonation_lifetime", "between 1s and 12h (Google's limit)");
  if (auto url = settings::text(config, "sts_url"); !url.empty()) s.stsUrl = url;
  if (auto url = settings::text(config, "iam_credentials_url"); !url.empty()) s.iamCredentialsUrl = url;
  while (!s.iamCredentialsUrl.empty() && s.iamCredentialsUrl.back() == '/') s.iamCredentialsUrl.pop_back();
  oidc::requireSecureUrl(s.stsUrl, "sts_url");
  oidc::requireSecureUrl(s.iamCredentialsUrl, "iam_credentials_url");
  s.timeoutMs = static_cast<uint32_t>(settings::durationMs(config, "timeout", s.timeoutMs));
  s.stage = readStageSettings(config);
  return s;
}

}  // namespace moat::exchange
