// auth-okta against Okta's documented layout, answered in-process: which URLs it calls and how
// it reads Okta's claims (scp as an array, uid/cid, a custom groups claim).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "oauth/OidcAuthenticator.h"
#include "OktaSettings.h"
#include "testing/TestKeys.h"
#include "moat/testing.hpp"

using namespace moat;
using namespace moat::oidc::testing;

namespace {

const int64_t kNow = 1'700'000'000;

std::string header(const std::string& kid) { return R"({"alg":"RS256","kid":")" + kid + R"("})"; }

}  // namespace

TEST_CASE("okta: domain and authorization server id give the issuer and Okta's endpoint paths", "[okta]") {
  moat::testing::FakeHost host;
  auto custom = okta::readOktaSettings(host.host(), json::parse(R"({"domain":"dev-1.okta.com","authorization_server":"aus1","client_id":"c","client_secret":"s"})"));
  CHECK(custom.claims.issuer == "https://dev-1.okta.com/oauth2/aus1");
  CHECK(custom.jwksUrl == "https://dev-1.okta.com/oauth2/aus1/v1/keys");
  CHECK(custom.introspectionUrl == "https://dev-1.okta.com/oauth2/aus1/v1/introspect");
  CHECK(custom.claims.audiences.empty());
  CHECK_FALSE(custom.discover);

  auto byDefault = okta::readOktaSettings(host.host(), json::parse(R"({"domain":"https://dev-1.okta.com/"})"));
  CHECK(byDefault.claims.issuer == "https://dev-1.okta.com/oauth2/default");
  CHECK(byDefault.claims.audiences == std::vector<std::string>{"api://default"});
  CHECK(byDefault.introspectionUrl.empty());

  auto org = okta::readOktaSettings(host.host(), json::parse(R"({"domain":"dev-1.okta.com","authorization_server":"org"})"));
  CHECK(org.claims.issuer == "https://dev-1.okta.com");
  CHECK(org.jwksUrl == "https://dev-1.okta.com/oauth2/v1/keys");

  CHECK_THROWS_WITH(okta::readOktaSettings(host.host(), json::parse("{}")), Catch::StartsWith("domain: required"));
  CHECK_THROWS_WITH(okta::readOktaSettings(host.host(), json::parse(R"({"domain":"d.okta.com","issuer":"x"})")),
                    Catch::StartsWith("issuer: set by auth-okta"));
  CHECK_THROWS_WITH(okta::readOktaSettings(host.host(), json::parse(R"({"domain":"http://d.okta.com"})")), Catch::Contains("https"));
}

TEST_CASE("okta: an Okta-shaped access token is accepted with scp, uid, cid and a custom groups claim", "[okta]") {
  moat::testing::FakeHost::nowUnixMs = kNow * 1000;
  moat::testing::FakeHost host;
  TestKey key = TestKey::rsa("okta-key");
  std::vector<std::string> urls;
  host.http = [&](const moat_http_call& call, Host::HttpResponse& response, std::string&) {
    urls.emplace_back(fromAbi(call.url));
    response.status = 200;
    response.body = jwks({key.jwk("RS256")});
    return true;
  };
  oidc::OidcAuthenticator auth(host.host(), okta::readOktaSettings(host.host(), json::parse(
      R"({"domain":"http://127.0.0.1:7000","scopes":["mcp.read"],"groups_claim":"okta_groups"})")));
  std::string claims = R"({"ver":1,"iss":"http://127.0.0.1:7000/oauth2/default","aud":"api://default","exp":)" + std::to_string(kNow + 600) +
                       R"(,"iat":)" + std::to_string(kNow) + R"(,"cid":"0oa-client","uid":"00u-alice","scp":["mcp.read","openid"],"sub":"alice@example.com","okta_groups":["Everyone","MCP Users"]})";
  moat::testing::FakeRequest r;
  r.clientCredential = "Bearer " + signedToken(key, "RS256", header("okta-key"), claims);
  Request request = host.request(r);
  REQUIRE(auth.onRequest(request) == Status::Continue);
  CHECK(urls == std::vector<std::string>{"http://127.0.0.1:7000/oauth2/default/v1/keys"});
  REQUIRE(r.identity);
  CHECK(r.identity->first == "alice@example.com");
  json::Value identity = json::parse(r.identity->second);
  CHECK(identity.stringOr("uid", "") == "00u-alice");
  CHECK(identity.stringOr("cid", "") == "0oa-client");
  CHECK(identity.find("groups")->items().at(1).asString() == "MCP Users");

  moat::testing::FakeRequest missing;
  std::string noScope = claims;
  noScope.replace(noScope.find("\"mcp.read\","), 11, "");
  missing.clientCredential = "Bearer " + signedToken(key, "RS256", header("okta-key"), noScope);
  Request second = host.request(missing);
  REQUIRE(auth.onRequest(second) == Status::Replied);
  CHECK(missing.replyStatus == 403);
}
