// exchange-google-sts against Google's documented wire format, answered in-process: the STS
// request of the Okta -> Workforce Identity Federation (BigQuery) journey, the impersonation
// call, and Google's error bodies turned into messages an operator can act on.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "GoogleStsExchanger.h"
#include "GoogleStsSettings.h"
#include "testing/RecordedCall.h"
#include "moat/testing.hpp"

using namespace moat;
using namespace moat::exchange;
using moat::testing::FakeHost;
using moat::testing::FakeRequest;

namespace {

const char* kWorkforce = "//iam.googleapis.com/locations/global/workforcePools/okta-pool/providers/okta-oidc";
const char* kWorkload = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci-pool/providers/okta";

struct Google {
  std::vector<exchange::testing::RecordedCall> calls;
  std::map<std::string, std::pair<int, std::string>> answers;  // by URL

  void attach(FakeHost& host) {
    host.http = [this](const moat_http_call& call, Host::HttpResponse& response, std::string& error) {
      calls.push_back(exchange::testing::RecordedCall::of(call));
      auto it = answers.find(calls.back().url);
      if (it == answers.end()) {
        error = "no route to " + calls.back().url;
        return false;
      }
      response.status = it->second.first;
      response.body = it->second.second;
      return true;
    };
  }
};

const std::string kSts = "https://sts.googleapis.com/v1/token";
const std::string kStsOk = R"({"access_token":"ya29.federated","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600})";

FakeRequest oktaUser(const std::string& idToken) {
  FakeRequest r;
  r.clientCredential = "Bearer " + idToken;
  r.identity = std::make_pair(std::string("alice@example.com"), std::string("{}"));
  return r;
}

Status run(FakeHost& host, GoogleStsExchanger& stage, FakeRequest& r) {
  Request request = host.request(r);
  return stage.onRequest(request);
}

}  // namespace

TEST_CASE("google-sts: the Okta ID token to a workforce pool, BigQuery scopes, billed to a user project", "[sts]") {
  FakeHost host;
  Google google;
  google.answers[kSts] = {200, kStsOk};
  google.attach(host);
  GoogleStsExchanger stage(host.host(), readGoogleStsSettings(json::parse(std::string(R"({"audience":")") + kWorkforce +
      R"(","subject_token_type":"id_token","user_project":"analytics-prod",
         "scopes":["https://www.googleapis.com/auth/bigquery","https://www.googleapis.com/auth/cloud-platform"]})")));
  FakeRequest r = oktaUser("okta.id.token");
  REQUIRE(run(host, stage, r) == Status::Continue);
  REQUIRE(google.calls.size() == 1);
  CHECK(google.calls[0].url == kSts);
  CHECK(google.calls[0].body ==
        "audience=%2F%2Fiam.googleapis.com%2Flocations%2Fglobal%2FworkforcePools%2Fokta-pool%2Fproviders%2Fokta-oidc"
        "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
        "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"
        "&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fbigquery%20https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform"
        "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token&subject_token=okta.id.token"
        "&options=%7B%22userProject%22%3A%22analytics-prod%22%7D");
  CHECK(google.calls[0].headers["content-type"] == "application/x-www-form-urlencoded");
  CHECK(google.calls[0].headers.count("authorization") == 0);  // STS must not get one
  CHECK(r.headers["authorization"] == "Bearer ya29.federated");
}

TEST_CASE("google-sts: a workload pool with service account impersonation", "[sts]") {
  FakeHost host;
  Google google;
  const std::string iam =
      "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/bq-reader@analytics.iam.gserviceaccount.com:generateAccessToken";
  google.answers[kSts] = {200, kStsOk};
  google.answers[iam] = {200, R"({"accessToken":"ya29.impersonated","expireTime":"2023-11-14T22:43:20Z"})"};
  google.attach(host);
  GoogleStsExchanger stage(host.host(), readGoogleStsSettings(json::parse(std::string(R"({"audience":")") + kWorkload +
      R"(","subject_token_type":"jwt","service_account":"bq-reader@analytics.iam.gserviceaccount.com","impersonation_lifetime":"30m"})")));
  FakeRequest r = oktaUser("okta.jwt");
  REQUIRE(run(host, stage, r) == Status::Continue);
  REQUIRE(google.calls.size() == 2);
  CHECK(google.calls[0].body.find("subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt") != std::string::npos);
  CHECK(google.calls[0].body.find("options=") == std::string::npos);
  CHECK(google.calls[1].url == iam);
  CHECK(google.calls[1].headers["authorization"] == "Bearer ya29.federated");
  CHECK(json::parse(google.calls[1].body).find("lifetime")->asString() == "1800s");
  CHECK(json::parse(google.calls[1].body).find("scope")->items().at(0).asString() == "https://www.googleapis.com/auth/cloud-platform");
  CHECK(r.headers["authorization"] == "Bearer ya29.impersonated");
}

TEST_CASE("google-sts: Google's errors become clear messages and the right status", "[sts]") {
  FakeHost host;
  Google google;
  google.attach(host);
  std::string config = std::string(R"({"audience":")") + kWorkload + R"(","service_account":"sa@p.iam.gserviceaccount.com"})";
  GoogleStsExchanger stage(host.host(), readGoogleStsSettings(json::parse(config)));

  SECTION("an ID token STS does not accept: 401, sign in again") {
    google.answers[kSts] = {400, R"({"error":"invalid_grant","error_description":"The audience in ID Token [x] does not match the expected audience."})"};
    FakeRequest r = oktaUser("okta-secret-id-token-1");
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 401);
    CHECK(r.replyHeaders["www-authenticate"].find("error=\"invalid_token\"") != std::string::npos);
    bool logged = false;
    for (const auto& [level, line] : host.logs) logged |= line.find("does not match the expected audience") != std::string::npos;
    CHECK(logged);
  }
  SECTION("an unknown pool: 502 with a hint") {
    google.answers[kSts] = {400, R"({"error":"invalid_target","error_description":"The target service indicated by the \"audience\" parameters is invalid."})"};
    FakeRequest r = oktaUser("okta-secret-id-token-2");
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 502);
    CHECK(r.replyBody.find("check the pool and provider ids") != std::string::npos);
  }
  SECTION("impersonation refused: 502 naming the missing role") {
    google.answers[kSts] = {200, kStsOk};
    google.answers["https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken"] = {
        403, R"({"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED"}})"};
    FakeRequest r = oktaUser("okta-secret-id-token-3");
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 502);
    CHECK(r.replyBody.find("HTTP 403 PERMISSION_DENIED: Permission 'iam.serviceAccounts.getAccessToken' denied") != std::string::npos);
    CHECK(r.replyBody.find("roles/iam.workloadIdentityUser") != std::string::npos);
  }
  SECTION("STS down: 503") {
    FakeRequest r = oktaUser("okta-secret-id-token-4");
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 503);
    CHECK(r.replyBody.find("Google STS unreachable") != std::string::npos);
  }
  for (const auto& [level, line] : host.logs) {
    CHECK(line.find("ya29") == std::string::npos);
    CHECK(line.find("okta-secret-id-token") == std::string::npos);
  }
}

TEST_CASE("google-sts: RFC 3339 expiry times", "[sts]") {
  CHECK(parseRfc3339Ms("2023-11-14T22:13:20Z") == 1'700'000'000'000);
  CHECK(parseRfc3339Ms("2023-11-14T22:13:20.250Z") == 1'700'000'000'250);
  CHECK(parseRfc3339Ms("2023-11-14T23:13:20+01:00") == 1'700'000'000'000);
  CHECK(parseRfc3339Ms("yesterday") == 0);
  CHECK(parseRfc3339Ms("2023-11-14T22:13:20") == 0);
}

TEST_CASE("google-sts: configuration errors name the key", "[sts]") {
  auto error = [](const std::string& config) {
    try {
      readGoogleStsSettings(json::parse(config));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK_THAT(error("{}"), Catch::StartsWith("audience: required"));
  CHECK_THAT(error(R"({"audience":"//iam.googleapis.com/projects/abc/locations/global/workloadIdentityPools/p/providers/x"})"),
             Catch::StartsWith("audience: \"//iam.googleapis.com/projects/abc"));
  CHECK_THAT(error(std::string(R"({"audience":")") + kWorkload + R"(","user_project":"p"})"), Catch::StartsWith("user_project:"));
  CHECK_THAT(error(std::string(R"({"audience":")") + kWorkload + R"(","subject_token_type":"saml2"})"), Catch::StartsWith("subject_token_type:"));
  CHECK_THAT(error(std::string(R"({"audience":")") + kWorkload + R"(","service_account":"not an email"})"), Catch::StartsWith("service_account:"));
  CHECK_THAT(error(std::string(R"({"audience":")") + kWorkload + R"(","sts_url":"http://sts.example/v1/token"})"), Catch::StartsWith("sts_url must use https://"));
  CHECK_THAT(error(std::string(R"({"audience":")") + kWorkload + R"(","impersonation_lifetime":"13h"})"), Catch::StartsWith("impersonation_lifetime:"));
  CHECK(error(std::string(R"({"audience":")") + kWorkforce + R"("})") == "(accepted)");
}
