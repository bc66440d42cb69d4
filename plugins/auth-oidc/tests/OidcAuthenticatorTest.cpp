// The authenticator against an in-process IdP (FakeHost answers its HTTP calls): every kind of
// token a client can present, well-formed or hostile, and what the gateway answers.
#include <catch2/catch.hpp>

#include <map>

#include "crypto/Base64.h"
#include "oauth/Discovery.h"
#include "oauth/OidcAuthenticator.h"
#include "testing/TestKeys.h"
#include "moat/testing.hpp"

using namespace moat;
using namespace moat::oidc;
using namespace moat::oidc::testing;

namespace {

const std::string kIssuer = "http://127.0.0.1:9999";
const std::string kResource = "http://127.0.0.1:8080/mcp";
const int64_t kNow = 1'700'000'000;

struct Idp {
  std::string jwks;
  bool up = true;
  std::map<std::string, int> calls;  // by URL
  std::string introspectionAnswer = R"({"active":false})";
  std::string lastIntrospectionAuth;
  std::string lastIntrospectionBody;

  void attach(moat::testing::FakeHost& host) {
    host.http = [this](const moat_http_call& call, Host::HttpResponse& response, std::string& error) {
      std::string url(fromAbi(call.url));
      calls[url]++;
      if (!up) {
        error = "connection refused";
        return false;
      }
      response.status = 200;
      if (url == kIssuer + "/.well-known/oauth-authorization-server") {
        response.body = R"({"issuer":")" + kIssuer + R"(","jwks_uri":")" + kIssuer + R"(/jwks","introspection_endpoint":")" +
                        kIssuer + R"(/introspect"})";
      } else if (url == kIssuer + "/jwks") {
        response.body = jwks;
      } else if (url == kIssuer + "/introspect") {
        for (size_t i = 0; i < call.header_count; ++i)
          if (fromAbi(call.header_names[i]) == "Authorization") lastIntrospectionAuth = std::string(fromAbi(call.header_values[i]));
        lastIntrospectionBody = std::string(fromAbi(call.body));
        response.body = introspectionAnswer;
      } else {
        response.status = 404;
      }
      return true;
    };
  }
  int jwksCalls() { return calls[kIssuer + "/jwks"]; }
};

std::string claims(const std::string& extra = "", int64_t exp = kNow + 300) {
  return R"({"iss":")" + kIssuer + R"(","sub":"alice","aud":")" + kResource + R"(","exp":)" + std::to_string(exp) +
         R"(,"iat":)" + std::to_string(kNow - 10) + R"(,"scope":"mcp:read mcp:write")" + extra + "}";
}

std::string header(const std::string& alg, const std::string& kid, const std::string& extra = "") {
  return R"({"alg":")" + alg + R"(","kid":")" + kid + R"(","typ":"at+jwt")" + extra + "}";
}

struct Fixture {
  moat::testing::FakeHost host;
  Idp idp;
  TestKey rsa = TestKey::rsa("rsa-1");
  std::unique_ptr<OidcAuthenticator> auth;

  explicit Fixture(const std::string& extraConfig = "") {
    moat::testing::FakeHost::nowUnixMs = kNow * 1000;
    moat::testing::FakeHost::nowMonotonicMs = 1'000'000;
    idp.jwks = jwks({rsa.jwk()});
    idp.attach(host);
    std::string config = R"({"issuer":")" + kIssuer + R"(","client_id":"gateway","client_secret":"s3cret")" + extraConfig + "}";
    auth = std::make_unique<OidcAuthenticator>(host.host(), readOidcSettings(host.host(), json::parse(config)));
  }

  moat::testing::FakeRequest request(const std::string& token, const std::string& rpcMethod = "tools/list") {
    moat::testing::FakeRequest r;
    r.clientCredential = "Bearer " + token;
    r.rpcMethod = rpcMethod;
    r.resourceUrl = kResource;
    return r;
  }
  Status run(moat::testing::FakeRequest& r) {
    Request req = host.request(r);
    return auth->onRequest(req);
  }
  // Runs a token through the stage and returns the error_description (or "" when accepted).
  std::string rejection(const std::string& token) {
    auto r = request(token);
    if (run(r) == Status::Continue) return "";
    CHECK(r.replyStatus == 401);
    CHECK(r.replyHeaders["www-authenticate"].find("error=\"invalid_token\"") != std::string::npos);
    auto desc = r.replyHeaders["www-authenticate"];
    return desc.substr(desc.find("error_description=\"") + 19);
  }
};

}  // namespace

TEST_CASE("oidc: a valid RS256 token is accepted and the identity carries its claims", "[oidc]") {
  Fixture f;
  auto r = f.request(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims(R"(,"email":"alice@example.com")")));
  REQUIRE(f.run(r) == Status::Continue);
  REQUIRE(r.identity);
  CHECK(r.identity->first == "alice");
  CHECK(json::parse(r.identity->second).stringOr("email", "") == "alice@example.com");
}

TEST_CASE("oidc: every supported algorithm verifies with its own key type", "[oidc]") {
  Fixture f;
  TestKey p256 = TestKey::ec("p256", "P-256"), p384 = TestKey::ec("p384", "P-384"), p521 = TestKey::ec("p521", "P-521"),
          ed = TestKey::ed25519("ed"), rsa3072 = TestKey::rsa("rsa-3072", 3072);
  f.idp.jwks = jwks({f.rsa.jwk(), p256.jwk(), p384.jwk(), p521.jwk(), ed.jwk(), rsa3072.jwk()});
  struct Case { const TestKey& key; const char* alg; };
  for (const Case& c : {Case{f.rsa, "RS256"}, Case{f.rsa, "RS384"}, Case{f.rsa, "RS512"}, Case{f.rsa, "PS256"},
                        Case{rsa3072, "PS384"}, Case{rsa3072, "PS512"}, Case{p256, "ES256"}, Case{p384, "ES384"},
                        Case{p521, "ES512"}, Case{ed, "EdDSA"}}) {
    INFO(c.alg);
    CHECK(f.rejection(signedToken(c.key, c.alg, header(c.alg, c.key.kid()), claims())) == "");
  }
}

TEST_CASE("oidc: hostile and malformed tokens are rejected with a reason", "[oidc][hostile]") {
  Fixture f;
  const std::string good = claims();
  SECTION("alg none") {
    CHECK_THAT(f.rejection(tokenWithSignature(R"({"alg":"none","kid":"rsa-1"})", good, "x")), Catch::Contains("alg none"));
    CHECK_THAT(f.rejection(crypto::base64UrlEncode(R"({"alg":"none"})") + "." + crypto::base64UrlEncode(good) + "."), Catch::Contains("alg none"));
  }
  SECTION("HS256 signed with the public key as the HMAC secret") {
    std::string h = header("HS256", "rsa-1");
    std::string input = crypto::base64UrlEncode(h) + "." + crypto::base64UrlEncode(good);
    CHECK_THAT(f.rejection(input + "." + crypto::base64UrlEncode(hmacSha256(f.rsa.jwk(), input))), Catch::Contains("HMAC"));
  }
  SECTION("a signature by a key the issuer does not hold, under its kid") {
    TestKey forger = TestKey::rsa("rsa-1");
    CHECK_THAT(f.rejection(signedToken(forger, "RS256", header("RS256", "rsa-1"), good)), Catch::Contains("signature does not verify"));
  }
  SECTION("a tampered payload") {
    std::string token = signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), good);
    std::string forged = claims().replace(claims().find("alice"), 5, "admin");
    size_t d1 = token.find('.'), d2 = token.rfind('.');
    token = token.substr(0, d1 + 1) + crypto::base64UrlEncode(forged) + token.substr(d2);
    CHECK_THAT(f.rejection(token), Catch::Contains("signature does not verify"));
  }
  SECTION("kid of an RSA key with an EC algorithm") {
    TestKey ec = TestKey::ec("ec", "P-256");
    CHECK_THAT(f.rejection(signedToken(ec, "ES256", header("ES256", "rsa-1"), good)), Catch::Contains("does not match its algorithm"));
  }
  SECTION("a key whose JWK alg is RS256 used for PS256") {
    f.idp.jwks = jwks({f.rsa.jwk("RS256")});
    CHECK_THAT(f.rejection(signedToken(f.rsa, "PS256", header("PS256", "rsa-1"), good)), Catch::Contains("does not match"));
  }
  SECTION("wrong issuer") {
    std::string c = good;
    c.replace(c.find(kIssuer), kIssuer.size(), "http://127.0.0.1:6666");
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), c)), Catch::Contains("another issuer"));
  }
  SECTION("audience of another resource") {
    std::string c = good;
    c.replace(c.find(kResource), kResource.size(), "http://127.0.0.1:8080/other");
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), c)), Catch::Contains("audience"));
  }
  SECTION("expired, beyond the leeway") {
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims("", kNow - 61))), Catch::Contains("expired"));
    CHECK(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims("", kNow - 30))) == "");
  }
  SECTION("not valid yet") {
    std::string c = claims(R"(,"nbf":)" + std::to_string(kNow + 3600));
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), c)), Catch::Contains("not valid yet"));
  }
  SECTION("no expiry") {
    std::string c = R"({"iss":")" + kIssuer + R"(","sub":"alice","aud":")" + kResource + R"("})";
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), c)), Catch::Contains("no expiry"));
  }
  SECTION("malformed base64 and JSON") {
    CHECK_THAT(f.rejection("e30.e30.c2ln"), Catch::Contains("no algorithm"));
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims()) + "!"), Catch::Contains("signature is not"));
    CHECK_THAT(f.rejection(crypto::base64UrlEncode(header("RS256", "rsa-1")) + ".%%%." + crypto::base64UrlEncode("sig")), Catch::Contains("payload"));
    CHECK_THAT(f.rejection(crypto::base64UrlEncode("not json") + ".e30.c2ln"), Catch::Contains("header is not"));
  }
  SECTION("oversized header and token") {
    std::string padding(3000, 'a');
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1", R"(,"x":")" + padding + "\""), good)),
               Catch::Contains("header is larger"));
    std::string big = claims(R"(,"x":")" + std::string(20000, 'a') + "\"");
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), big)), Catch::Contains("larger than"));
  }
  SECTION("critical header extensions and foreign token types") {
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1", R"(,"crit":["exp"])"), good)), Catch::Contains("critical"));
    std::string idTokenType = R"({"alg":"RS256","kid":"rsa-1","typ":"logout+jwt"})";
    CHECK_THAT(f.rejection(signedToken(f.rsa, "RS256", idTokenType, good)), Catch::Contains("not an access token"));
  }
  SECTION("an algorithm the stage does not accept") {
    Fixture only("," R"("algorithms":["ES256"])");
    CHECK_THAT(only.rejection(signedToken(only.rsa, "RS256", header("RS256", "rsa-1"), good)), Catch::Contains("not accepted"));
  }
}

TEST_CASE("oidc: challenges follow RFC 6750 and point at the RFC 9728 metadata", "[oidc]") {
  Fixture f(R"(,"scopes":["mcp:read"])");
  moat::testing::FakeRequest none;
  none.resourceUrl = kResource;
  REQUIRE(f.run(none) == Status::Replied);
  CHECK(none.replyStatus == 401);
  CHECK(none.replyHeaders["www-authenticate"] ==
        "Bearer resource_metadata=\"http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp\", scope=\"mcp:read\"");
  CHECK(json::parse(none.replyBody).find("error")->find("code")->asNumber() == -32001);

  auto basic = f.request("x");
  basic.clientCredential = "Basic YWxpY2U6cHc=";
  f.run(basic);
  CHECK(basic.replyStatus == 401);
  CHECK_THAT(basic.replyHeaders["www-authenticate"], Catch::Contains("error=\"invalid_request\""));

  auto query = f.request(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims()));
  query.path = "/mcp?access_token=abc";
  f.run(query);
  CHECK(query.replyStatus == 401);
  CHECK_THAT(query.replyHeaders["www-authenticate"], Catch::Contains("in the URL"));
}

TEST_CASE("oidc: required and per-method scopes, from scope or scp", "[oidc]") {
  Fixture f(R"(,"scopes":["mcp:read"],"method_scopes":{"tools/call":["mcp:tools"]})");
  std::string readOnly = signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims());
  auto list = f.request(readOnly, "tools/list");
  CHECK(f.run(list) == Status::Continue);
  auto call = f.request(readOnly, "tools/call");
  REQUIRE(f.run(call) == Status::Replied);
  CHECK(call.replyStatus == 403);
  CHECK_THAT(call.replyHeaders["www-authenticate"], Catch::Contains("error=\"insufficient_scope\""));
  CHECK_THAT(call.replyHeaders["www-authenticate"], Catch::Contains("scope=\"mcp:read mcp:tools\""));
  CHECK_THAT(call.replyBody, Catch::Contains("mcp:tools"));

  std::string scp = R"({"iss":")" + kIssuer + R"(","sub":"bob","aud":")" + kResource + R"(","exp":)" + std::to_string(kNow + 60) +
                    R"(,"scp":["mcp:read","mcp:tools"]})";
  auto okta = f.request(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), scp), "tools/call");
  CHECK(f.run(okta) == Status::Continue);
}

TEST_CASE("oidc: a token is verified once, then served from the cache until it expires", "[oidc]") {
  Fixture f;
  std::string token = signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims("", kNow + 100));
  for (int i = 0; i < 3; ++i) {
    auto r = f.request(token);
    CHECK(f.run(r) == Status::Continue);
  }
  CHECK(f.host.counters["cache_misses"] == 1);
  CHECK(f.host.counters["cache_hits"] == 2);
  moat::testing::FakeHost::nowUnixMs = (kNow + 200) * 1000;  // past exp + leeway
  CHECK_THAT(f.rejection(token), Catch::Contains("expired"));
}

TEST_CASE("oidc: unknown kid refetches the keys once per interval and picks up a rotation", "[oidc][jwks]") {
  Fixture f;
  CHECK(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims())) == "");
  REQUIRE(f.idp.jwksCalls() == 1);
  TestKey next = TestKey::rsa("rsa-2");
  std::string rotated = signedToken(next, "RS256", header("RS256", "rsa-2"), claims());
  // The IdP has not published the new key yet: one refetch, then the token is refused.
  moat::testing::FakeHost::nowMonotonicMs += 11'000;
  CHECK_THAT(f.rejection(rotated), Catch::Contains("unknown key"));
  CHECK(f.idp.jwksCalls() == 2);
  // A flood of unknown kids inside the interval costs the IdP nothing more.
  for (int i = 0; i < 5; ++i) f.rejection(signedToken(next, "RS256", header("RS256", "forged-" + std::to_string(i)), claims()));
  CHECK(f.idp.jwksCalls() == 2);
  // The IdP rotates; after the interval the new key is fetched and accepted.
  f.idp.jwks = jwks({f.rsa.jwk(), next.jwk()});
  moat::testing::FakeHost::nowMonotonicMs += 11'000;
  CHECK(f.rejection(rotated) == "");
  CHECK(f.idp.jwksCalls() == 3);
}

TEST_CASE("oidc: IdP down: cached keys keep working, with no keys the answer is 503 and never 200", "[oidc][jwks]") {
  SECTION("keys already held") {
    Fixture f;
    CHECK(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims())) == "");
    f.idp.up = false;
    moat::testing::FakeHost::nowMonotonicMs += 60 * 60'000;  // keys are stale: a refresh is tried and fails
    CHECK(f.rejection(signedToken(f.rsa, "RS256", header("RS256", "rsa-1"), claims(R"(,"jti":"2")"))) == "");
  }
  SECTION("no keys ever fetched") {
    moat::testing::FakeHost host;
    Idp idp;
    idp.up = false;
    idp.attach(host);
    OidcAuthenticator auth(host.host(), readOidcSettings(host.host(), json::parse(R"({"issuer":")" + kIssuer + R"("})")));
    TestKey key = TestKey::rsa("rsa-1");
    moat::testing::FakeRequest r;
    r.clientCredential = "Bearer " + signedToken(key, "RS256", header("RS256", "rsa-1"), claims());
    Request req = host.request(r);
    CHECK(auth.onRequest(req) == Status::Replied);
    CHECK(r.replyStatus == 503);
    CHECK_FALSE(r.identity);
  }
}

TEST_CASE("oidc: opaque tokens are introspected with client credentials and cached", "[oidc][introspection]") {
  Fixture f;
  f.idp.introspectionAnswer = R"({"active":true,"sub":"carol","aud":")" + kResource + R"(","exp":)" + std::to_string(kNow + 300) +
                              R"(,"iss":")" + kIssuer + R"(","scope":"mcp:read"})";
  auto r = f.request("opaque-token-value");
  REQUIRE(f.run(r) == Status::Continue);
  CHECK(r.identity->first == "carol");
  CHECK(f.idp.lastIntrospectionAuth == "Basic " + crypto::base64Encode("gateway:s3cret"));
  CHECK(f.idp.lastIntrospectionBody == "token=opaque-token-value&token_type_hint=access_token");
  auto again = f.request("opaque-token-value");
  CHECK(f.run(again) == Status::Continue);
  CHECK(f.idp.calls[kIssuer + "/introspect"] == 1);

  f.idp.introspectionAnswer = R"({"active":false})";
  CHECK_THAT(f.rejection("another-opaque-token"), Catch::Contains("not active"));
  f.idp.introspectionAnswer = R"({"active":true,"sub":"carol","aud":"https://elsewhere"})";
  CHECK_THAT(f.rejection("third-opaque-token"), Catch::Contains("audience"));
}

TEST_CASE("oidc: discovery tries the well-known URIs in the MCP order", "[oidc]") {
  CHECK(discoveryUrls("https://idp.example/tenant1") ==
        std::vector<std::string>{"https://idp.example/.well-known/oauth-authorization-server/tenant1",
                                 "https://idp.example/.well-known/openid-configuration/tenant1",
                                 "https://idp.example/tenant1/.well-known/openid-configuration"});
  CHECK(discoveryUrls("https://idp.example") ==
        std::vector<std::string>{"https://idp.example/.well-known/oauth-authorization-server",
                                 "https://idp.example/.well-known/openid-configuration"});
  CHECK_THROWS_WITH(requireSecureUrl("http://idp.example/", "issuer"), Catch::Contains("https"));
  CHECK_THROWS(requireSecureUrl("http://127.evil.example/", "issuer"));
  CHECK_NOTHROW(requireSecureUrl("http://127.0.0.1:8080/", "issuer"));
}

TEST_CASE("oidc: configuration errors name the key", "[oidc]") {
  moat::testing::FakeHost host;
  auto load = [&](const std::string& json) { return readOidcSettings(host.host(), json::parse(json)); };
  CHECK_THROWS_WITH(load("{}"), Catch::StartsWith("issuer: required"));
  CHECK_THROWS_WITH(load(R"({"issuer":"https://i","algorithms":["HS256"]})"), Catch::StartsWith("algorithms:"));
  CHECK_THROWS_WITH(load(R"({"issuer":"https://i","leeway":"5 parsecs"})"), Catch::StartsWith("leeway:"));
  CHECK_THROWS_WITH(load(R"({"issuer":"https://i","isuser":"x"})"), Catch::StartsWith("isuser: unknown key"));
  CHECK_THROWS_WITH(load(R"({"issuer":"https://i","client_secret_env":"NOPE_NOT_SET"})"), Catch::StartsWith("client_secret_env:"));
}

TEST_CASE("oidc: base64url decoding is strict", "[oidc]") {
  CHECK(crypto::base64UrlDecode("aGk") == std::optional<std::string>("hi"));
  CHECK_FALSE(crypto::base64UrlDecode("aGk="));   // padding
  CHECK_FALSE(crypto::base64UrlDecode("aG+k"));   // standard alphabet
  CHECK_FALSE(crypto::base64UrlDecode("aGl"));    // non-zero trailing bits
  CHECK_FALSE(crypto::base64UrlDecode("a"));      // impossible length
}
