// exchange-rfc8693 against an in-process token endpoint: the exact wire request, where the
// exchanged token goes, what the client is told when the IdP says no, and that no token
// reaches a log line.
#include <catch2/catch.hpp>

#include "crypto/Base64.h"
#include "testing/RecordedCall.h"
#include "exchange/Rfc8693Exchanger.h"
#include "exchange/Rfc8693Settings.h"
#include "moat/testing.hpp"

using namespace moat;
using namespace moat::exchange;
using moat::testing::FakeHost;
using moat::testing::FakeRequest;

namespace {

// A token endpoint that records each call and answers with `reply`.
struct TokenEndpoint {
  std::vector<exchange::testing::RecordedCall> calls;
  int status = 200;
  std::string body = R"({"access_token":"backend-token","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":300})";
  bool reachable = true;

  void attach(FakeHost& host) {
    host.http = [this](const moat_http_call& call, Host::HttpResponse& response, std::string& error) {
      calls.push_back(exchange::testing::RecordedCall::of(call));
      if (!reachable) {
        error = "Connection refused";
        return false;
      }
      response.status = status;
      response.body = body;
      return true;
    };
  }
};

const char* kBaseConfig = R"({"token_url":"https://idp.example/token","client_id":"gateway","client_secret":"s3cr:t%",
  "audience":"backend","scopes":["backend:read","backend:write"]})";

FakeRequest authenticatedRequest(const std::string& token = "client-token") {
  FakeRequest r;
  r.clientCredential = "Bearer " + token;
  r.identity = std::make_pair(std::string("alice"), std::string("{}"));
  r.body = R"({"jsonrpc":"2.0","id":7,"method":"tools/call"})";
  return r;
}

// A fake host whose outbound calls reach a recording token endpoint.
struct WithTokenEndpoint {
  FakeHost host;
  TokenEndpoint idp;
  WithTokenEndpoint() { idp.attach(host); }
  Rfc8693Settings baseSettings() { return readRfc8693Settings(host.host(), json::parse(kBaseConfig)); }
};

Status run(FakeHost& host, Rfc8693Exchanger& stage, FakeRequest& r) {
  Request request = host.request(r);
  return stage.onRequest(request);
}

}  // namespace

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: the wire request carries the RFC 8693 parameters and client_secret_basic credentials", "[rfc8693]") {
  Rfc8693Exchanger stage(host.host(), baseSettings());
  FakeRequest r = authenticatedRequest("a.b+c/d");
  REQUIRE(run(host, stage, r) == Status::Continue);
  REQUIRE(idp.calls.size() == 1);
  CHECK(idp.calls[0].url == "https://idp.example/token");
  CHECK(idp.calls[0].body ==
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=a.b%2Bc%2Fd"
        "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&audience=backend"
        "&scope=backend%3Aread%20backend%3Awrite");
  CHECK(idp.calls[0].headers["content-type"] == "application/x-www-form-urlencoded");
  // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
  CHECK(idp.calls[0].headers["authorization"] == "Basic " + crypto::base64Encode("gateway:s3cr%3At%25"));
  CHECK(r.headers["authorization"] == "Bearer backend-token");
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: client_secret_post, public clients, resources, requested type and an actor token", "[rfc8693]") {
  host.files["/run/actor"] = "gateway-actor-jwt\n";
  Rfc8693Exchanger post(host.host(), readRfc8693Settings(host.host(), json::parse(R"({"token_url":"https://idp.example/token",
    "client_id":"gw","client_secret":"pw","client_auth_method":"client_secret_post","resource":["https://api.example/a","https://api.example/b"],
    "requested_token_type":"jwt","subject_token_type":"id_token","actor_token_file":"/run/actor"})")));
  FakeRequest r = authenticatedRequest("t");
  REQUIRE(run(host, post, r) == Status::Continue);
  CHECK(idp.calls.back().body ==
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=t"
        "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token"
        "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt"
        "&resource=https%3A%2F%2Fapi.example%2Fa&resource=https%3A%2F%2Fapi.example%2Fb"
        "&actor_token=gateway-actor-jwt&actor_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt"
        "&client_id=gw&client_secret=pw");
  CHECK(idp.calls.back().headers.count("authorization") == 0);

  Rfc8693Exchanger publicClient(host.host(), readRfc8693Settings(host.host(), json::parse(
      R"({"token_url":"http://127.0.0.1:9/token","client_id":"cli","audience":"backend"})")));
  FakeRequest r2 = authenticatedRequest("t2");
  REQUIRE(run(host, publicClient, r2) == Status::Continue);
  CHECK(idp.calls.back().body.find("&client_id=cli") != std::string::npos);
  CHECK(idp.calls.back().body.find("client_secret") == std::string::npos);
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: a custom header carries the exchanged token and Authorization is dropped", "[rfc8693]") {
  json::Value config = json::parse(kBaseConfig);
  config.mutableMembers()["header_name"] = json::Value::makeString("X-Upstream-Token");
  Rfc8693Exchanger stage(host.host(), readRfc8693Settings(host.host(), config));
  FakeRequest r = authenticatedRequest();
  r.headers["authorization"] = "Bearer client-token";  // as if an earlier stage had forwarded it
  REQUIRE(run(host, stage, r) == Status::Continue);
  CHECK(r.headers["x-upstream-token"] == "Bearer backend-token");
  CHECK(r.headers.count("authorization") == 0);
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: one exchange per subject token while it is valid, counted", "[rfc8693]") {
  Rfc8693Exchanger stage(host.host(), baseSettings());
  for (int i = 0; i < 5; ++i) {
    FakeRequest r = authenticatedRequest("alice-token");
    REQUIRE(run(host, stage, r) == Status::Continue);
    CHECK(r.headers["authorization"] == "Bearer backend-token");
  }
  FakeRequest bob = authenticatedRequest("bob-token");
  REQUIRE(run(host, stage, bob) == Status::Continue);
  CHECK(idp.calls.size() == 2);
  CHECK(host.counters["exchanges"] == 2);
  CHECK(host.counters["cache_hits"] == 4);
  CHECK(host.counters["cache_misses"] == 2);

  // 300 s lifetime, 30 s skew: at 271 s the token is exchanged again.
  FakeHost::nowUnixMs += 271'000;
  FakeRequest later = authenticatedRequest("alice-token");
  REQUIRE(run(host, stage, later) == Status::Continue);
  CHECK(idp.calls.size() == 3);
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: a token issued without expires_in is cached until its JWT exp", "[rfc8693]") {
  const int64_t exp = FakeHost::nowUnixMs / 1000 + 120;
  std::string jwt = crypto::base64UrlEncode(R"({"alg":"RS256"})") + "." +
                    crypto::base64UrlEncode(R"({"sub":"alice","exp":)" + std::to_string(exp) + "}") + ".sig";
  idp.body = R"({"access_token":")" + jwt + R"(","token_type":"N_A"})";
  Rfc8693Exchanger stage(host.host(), baseSettings());
  FakeRequest r = authenticatedRequest();
  REQUIRE(run(host, stage, r) == Status::Continue);
  CHECK(r.headers["authorization"] == "Bearer " + jwt);
  FakeHost::nowUnixMs += 89'000;
  FakeRequest again = authenticatedRequest();
  run(host, stage, again);
  CHECK(idp.calls.size() == 1);
  FakeHost::nowUnixMs += 1'000;  // 90 s: inside the 30 s skew before exp
  run(host, stage, again);
  CHECK(idp.calls.size() == 2);
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: what the client is told when the exchange fails", "[rfc8693]") {
  Rfc8693Exchanger stage(host.host(), baseSettings());

  SECTION("invalid_grant: 401 with a challenge that makes the client sign in again") {
    idp.status = 400;
    idp.body = R"({"error":"invalid_grant","error_description":"subject token revoked"})";
    FakeRequest r = authenticatedRequest();
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 401);
    CHECK(r.replyHeaders["www-authenticate"] ==
          "Bearer resource_metadata=\"" + r.resourceMetadataUrl +
              "\", error=\"invalid_token\", error_description=\"the token could not be exchanged for the upstream; sign in again\"");
    CHECK(json::parse(r.replyBody).find("id")->asNumber() == 7);
    CHECK(json::parse(r.replyBody).find("error")->find("code")->asNumber() == -32001);
    CHECK(r.headers.count("authorization") == 0);
  }
  SECTION("the IdP unreachable: 503 with Retry-After, and the next request tries again") {
    idp.reachable = false;
    FakeRequest r = authenticatedRequest();
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 503);
    CHECK(r.replyHeaders["retry-after"] == "5");
    CHECK(r.replyBody.find("Connection refused") != std::string::npos);
    idp.reachable = true;
    FakeRequest next = authenticatedRequest();
    REQUIRE(run(host, stage, next) == Status::Continue);
    CHECK(idp.calls.size() == 2);
  }
  SECTION("a 5xx or 429 from the IdP: 503") {
    idp.status = 502;
    idp.body = "<html>bad gateway</html>";
    FakeRequest r = authenticatedRequest();
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 503);
  }
  SECTION("the gateway's own client refused: 502 naming the OAuth error") {
    idp.status = 401;
    idp.body = R"({"error":"invalid_client","error_description":"client authentication failed"})";
    FakeRequest r = authenticatedRequest();
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 502);
    CHECK(r.replyBody.find("invalid_client (client authentication failed)") != std::string::npos);
  }
  SECTION("a DPoP-bound token cannot be forwarded as a bearer token: 502") {
    idp.body = R"({"access_token":"x","token_type":"DPoP","expires_in":60})";
    FakeRequest r = authenticatedRequest();
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 502);
  }
  SECTION("200 without an access_token: 503") {
    idp.body = R"({"token_type":"Bearer"})";
    FakeRequest r = authenticatedRequest();
    REQUIRE(run(host, stage, r) == Status::Replied);
    CHECK(r.replyStatus == 503);
  }
  CHECK(host.counters["failures"] == 1);
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: the subject token must come from an authenticated caller or a named credential", "[rfc8693]") {
  Rfc8693Exchanger stage(host.host(), baseSettings());

  FakeRequest anonymous;
  REQUIRE(run(host, stage, anonymous) == Status::Replied);
  CHECK(anonymous.replyStatus == 401);

  FakeRequest basic = authenticatedRequest();
  basic.clientCredential = "Basic dXNlcjpwdw==";
  REQUIRE(run(host, stage, basic) == Status::Replied);
  CHECK(basic.replyStatus == 401);

  FakeRequest unauthenticated = authenticatedRequest();
  unauthenticated.identity.reset();
  CHECK_THROWS_WITH(run(host, stage, unauthenticated), Catch::Contains("put an authenticator before this stage"));
  CHECK(idp.calls.empty());

  json::Value config = json::parse(kBaseConfig);
  config.mutableMembers()["subject_token"] = json::Value::makeString("credential:id_token");
  config.mutableMembers()["subject_token_type"] = json::Value::makeString("id_token");
  Rfc8693Exchanger fromLogin(host.host(), readRfc8693Settings(host.host(), config));
  FakeRequest r;
  r.credentials["id_token"] = "login-id-token";
  REQUIRE(run(host, fromLogin, r) == Status::Continue);
  CHECK(idp.calls.back().body.find("subject_token=login-id-token&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token") !=
        std::string::npos);
  FakeRequest missing;
  CHECK_THROWS_WITH(run(host, fromLogin, missing), Catch::Contains("no \"id_token\" credential"));
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: no token or secret ever reaches a log line", "[rfc8693]") {
  Rfc8693Exchanger stage(host.host(), baseSettings());
  FakeRequest ok = authenticatedRequest("secret-subject-token");
  run(host, stage, ok);
  idp.status = 400;
  idp.body = R"({"error":"invalid_grant"})";
  FakeRequest refused = authenticatedRequest("another-secret-subject");
  run(host, stage, refused);
  idp.reachable = false;
  FakeRequest down = authenticatedRequest("third-secret-subject");
  run(host, stage, down);
  REQUIRE(host.logs.size() >= 3);
  for (const auto& [level, line] : host.logs) {
    CHECK(line.find("secret-subject") == std::string::npos);
    CHECK(line.find("backend-token") == std::string::npos);
    CHECK(line.find("s3cr") == std::string::npos);
  }
}

TEST_CASE("rfc8693: configuration errors name the key", "[rfc8693]") {
  FakeHost host;
  auto error = [&](const char* config) {
    try {
      readRfc8693Settings(host.host(), json::parse(config));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK_THAT(error(R"({"audience":"a"})"), Catch::StartsWith("token_url: required"));
  CHECK_THAT(error(R"({"token_url":"http://idp.example/token","audience":"a"})"), Catch::StartsWith("token_url must use https://"));
  CHECK_THAT(error(R"({"token_url":"https://idp.example/token"})"), Catch::StartsWith("audience: give audience or resource"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","subject_token_type":"saml3"})"), Catch::StartsWith("subject_token_type:"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","client_auth_method":"client_secret_basic","client_id":"x"})"),
             Catch::StartsWith("client_auth_method: client_secret_basic needs client_id and a client secret"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","client_secret":"x","client_secret_file":"/f"})"),
             Catch::StartsWith("client_secret: give one of"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","client_secret_env":"NOPE_NOT_SET"})"),
             Catch::StartsWith("client_secret_env: environment variable NOPE_NOT_SET is not set"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","header_name":"Bad Header"})"), Catch::StartsWith("header_name:"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","subject_token":"cookie"})"), Catch::StartsWith("subject_token:"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","resource":"not-a-uri"})"), Catch::StartsWith("resource:"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","expiry_skew":"5 minutes"})"), Catch::StartsWith("expiry_skew:"));
  CHECK_THAT(error(R"({"token_url":"https://i/t","audience":"a","audiences":"typo"})"), Catch::StartsWith("audiences: unknown key"));
  host.env["TE_SECRET"] = "from-env";
  CHECK(readRfc8693Settings(host.host(), json::parse(R"({"token_url":"https://i/t","audience":"a","client_id":"c","client_secret_env":"TE_SECRET"})"))
            .clientSecret == "from-env");
}

TEST_CASE_METHOD(WithTokenEndpoint, "rfc8693: a token the upstream refuses (401) leaves the cache", "[rfc8693]") {
  Rfc8693Exchanger stage(host.host(), baseSettings());
  FakeRequest first = authenticatedRequest("alice-token");
  REQUIRE(run(host, stage, first) == Status::Continue);
  first.responseStatus = 200;
  Request ok = host.request(first);
  CHECK(stage.onResponse(ok) == Status::Continue);
  FakeRequest second = authenticatedRequest("alice-token");
  run(host, stage, second);
  CHECK(idp.calls.size() == 1);

  second.responseStatus = 401;
  Request refused = host.request(second);
  CHECK(stage.onResponse(refused) == Status::Continue);
  CHECK(host.counters["upstream_rejections"] == 1);
  FakeRequest third = authenticatedRequest("alice-token");
  REQUIRE(run(host, stage, third) == Status::Continue);
  CHECK(idp.calls.size() == 2);
}
