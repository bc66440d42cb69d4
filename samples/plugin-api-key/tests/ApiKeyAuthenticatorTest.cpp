// Unit tests with the SDK's fakes: no gateway needed.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "ApiKeyAuthenticator.h"
#include "moat/testing.hpp"

using moat::testing::FakeHost;
using moat::testing::FakeRequest;

TEST_CASE("a known key sets the identity and is not forwarded") {
  FakeHost host;
  host.files["/keys"] = "alice:k-alice\nbob:k-bob\n";
  ApiKeyAuthenticator auth(host.host(), moat::json::parse(R"({"keys_file":"/keys"})"));
  FakeRequest r;
  r.headers["x-api-key"] = "k-bob";
  auto request = host.request(r);
  REQUIRE(auth.onRequest(request) == moat::Status::Continue);
  CHECK(r.identity->first == "bob");
  CHECK(r.headers.count("x-api-key") == 0);
  CHECK(host.counters["accepted"] == 1);
}

TEST_CASE("a missing or wrong key gets 401 with a JSON-RPC error") {
  FakeHost host;
  host.files["/keys"] = "alice:k-alice\n";
  ApiKeyAuthenticator auth(host.host(), moat::json::parse(R"({"keys_file":"/keys"})"));
  FakeRequest r;
  r.body = R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})";
  r.headers["x-api-key"] = "k-wrong";
  auto request = host.request(r);
  REQUIRE(auth.onRequest(request) == moat::Status::Replied);
  CHECK(r.replyStatus == 401);
  CHECK(r.replyHeaders.at("www-authenticate") == "ApiKey header=\"X-API-Key\"");
  CHECK(r.replyBody == R"({"jsonrpc":"2.0","id":5,"error":{"code":-32001,"message":"invalid API key"}})");
}

TEST_CASE("configuration errors are explained") {
  FakeHost host;
  CHECK_THROWS_WITH(ApiKeyAuthenticator(host.host(), moat::json::parse("{}")), "keys_file: required: a file of name:key lines");
  CHECK_THROWS_WITH(ApiKeyAuthenticator(host.host(), moat::json::parse(R"({"keys_fil":"/k"})")),
                    "keys_fil: unknown key in test/plugin (did you mean 'keys_file'?)");
  host.files["/bad"] = "no-colon-here\n";
  CHECK_THROWS_WITH(ApiKeyAuthenticator(host.host(), moat::json::parse(R"({"keys_file":"/bad"})")),
                    Catch::Contains("each line must be name:key"));
}
