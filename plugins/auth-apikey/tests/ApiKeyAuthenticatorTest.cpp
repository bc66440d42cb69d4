#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "ApiKeyAuthenticator.h"
#include "moat/testing.hpp"

using namespace moat;

TEST_CASE("apikey: hashed and plain keys, from a header or a Bearer credential", "[apikey]") {
  moat::testing::FakeHost host;
  // sha256("ci-key-123")
  host.files["/keys"] = "ci:sha256:7fe986afa29b694fb947cb728591bbb8ca234e9038c7b12341bad7d55c062e92\nlaptop:plain-key\n";
  ApiKeyAuthenticator auth(host.host(), json::parse(R"({"keys_file":"/keys"})"));
  CHECK(host.logs.front().second.find("plain text") != std::string::npos);

  moat::testing::FakeRequest good;
  good.headers["x-api-key"] = "plain-key";
  Request req = host.request(good);
  REQUIRE(auth.onRequest(req) == Status::Continue);
  CHECK(good.identity->first == "laptop");
  CHECK(good.headers.count("x-api-key") == 0);

  moat::testing::FakeRequest hashed;
  hashed.headers["x-api-key"] = "ci-key-123";
  Request hashedReq = host.request(hashed);
  REQUIRE(auth.onRequest(hashedReq) == Status::Continue);
  CHECK(hashed.identity->first == "ci");

  moat::testing::FakeRequest bad;
  bad.headers["x-api-key"] = "plain-kez";
  Request badReq = host.request(bad);
  CHECK(auth.onRequest(badReq) == Status::Replied);
  CHECK(bad.replyStatus == 401);

  host.files["/bearer"] = "svc:token-1\n";
  ApiKeyAuthenticator bearer(host.host(), json::parse(R"({"keys_file":"/bearer","header":"Authorization"})"));
  moat::testing::FakeRequest viaBearer;
  viaBearer.clientCredential = "Bearer token-1";
  Request bearerReq = host.request(viaBearer);
  CHECK(bearer.onRequest(bearerReq) == Status::Continue);
  CHECK(viaBearer.identity->first == "svc");

  host.files["/broken"] = "ci:sha256:xyz\n";
  CHECK_THROWS_WITH(ApiKeyAuthenticator(host.host(), json::parse(R"({"keys_file":"/broken"})")), Catch::Contains("line 1"));
}
