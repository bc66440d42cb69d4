#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "HeadersStage.h"
#include "moat/testing.hpp"

using moat::json::parse;
using moat::plugins::HeadersStage;
using moat::testing::FakeHost;
using moat::testing::FakeRequest;

TEST_CASE("sets and removes request headers") {
  FakeHost host;
  HeadersStage stage(host.host(), parse(R"({"set":{"X-Tenant":"acme"},"remove":["X-Debug"]})"));
  FakeRequest r;
  r.headers["x-debug"] = "1";
  auto request = host.request(r);
  REQUIRE(stage.onRequest(request) == moat::Status::Continue);
  CHECK(r.headers.at("x-tenant") == "acme");
  CHECK(r.headers.count("x-debug") == 0);
}

TEST_CASE("passes identity fields only when configured") {
  FakeHost host;
  HeadersStage stage(host.host(), parse(R"({"identity_headers":{"X-User":"subject","X-Groups":"claim:groups"}})"));
  FakeRequest r;
  r.identity = std::make_pair(std::string("alice"), std::string(R"({"groups":["eng","ops"]})"));
  auto request = host.request(r);
  stage.onRequest(request);
  CHECK(r.headers.at("x-user") == "alice");
  CHECK(r.headers.at("x-groups") == "eng,ops");

  HeadersStage plain(host.host(), parse(R"({"set":{"X-A":"b"}})"));
  FakeRequest r2;
  r2.identity = r.identity;
  auto request2 = host.request(r2);
  plain.onRequest(request2);
  CHECK(r2.headers.count("x-user") == 0);
}

TEST_CASE("identity headers sent by the client are never believed") {
  FakeHost host;
  HeadersStage stage(host.host(), parse(R"({"identity_headers":{"X-User":"subject","X-Email":"claim:email"}})"));
  FakeRequest spoofed;
  spoofed.headers["x-user"] = "root";
  spoofed.headers["x-email"] = "root@example.com";
  spoofed.identity = std::make_pair(std::string("alice"), std::string("{}"));
  auto request = host.request(spoofed);
  stage.onRequest(request);
  CHECK(spoofed.headers.at("x-user") == "alice");
  CHECK(spoofed.headers.count("x-email") == 0);  // no such claim: dropped, not passed on

  FakeRequest anonymous;
  anonymous.headers["x-user"] = "root";
  auto request2 = host.request(anonymous);
  stage.onRequest(request2);
  CHECK(anonymous.headers.count("x-user") == 0);
}

TEST_CASE("rejects unknown keys and inline credentials") {
  FakeHost host;
  CHECK_THROWS_WITH(HeadersStage(host.host(), parse(R"({"sett":{}})")), Catch::Contains("sett: unknown key") && Catch::Contains("did you mean 'set'?"));
  CHECK_THROWS_WITH(HeadersStage(host.host(), parse(R"({"set":{"Authorization":"Bearer x"}})")), Catch::Contains("credentials"));
  CHECK_THROWS_WITH(HeadersStage(host.host(), parse(R"({"identity_headers":{"X-U":"email"}})")), Catch::Contains("claim:<name>"));
}

TEST_CASE("sets response headers") {
  FakeHost host;
  HeadersStage stage(host.host(), parse(R"({"response_set":{"X-Served-By":"moat"},"response_remove":["Server"]})"));
  FakeRequest r;
  r.responseHeaders["server"] = "express";
  auto request = host.request(r);
  stage.onResponse(request);
  CHECK(r.responseHeaders.at("x-served-by") == "moat");
  CHECK(r.responseHeaders.count("server") == 0);
}
