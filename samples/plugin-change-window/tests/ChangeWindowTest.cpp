// Unit tests with the SDK's fakes: no gateway needed. The fake host's clock is moved to put
// the calls inside and outside the window.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "ChangeWindow.h"
#include "moat/testing.hpp"

using moat::AuthzQuery;
using moat::Decision;
using moat::testing::FakeHost;
using moat::testing::FakeRequest;

namespace {

// 2026-12-07 (a Monday) at hh:mm UTC, and the Saturday after.
int64_t monday(int hh, int mm) { return (1796601600LL + hh * 3600 + mm * 60) * 1000; }
int64_t saturday(int hh, int mm) { return monday(hh, mm) + 5 * 86400 * 1000LL; }

const AuthzQuery kWrite{"tool", "call", "deploy", "{}", "{}"};
const AuthzQuery kRead{"tool", "call", "status", "{}", R"({"readOnlyHint": true})"};

}  // namespace

TEST_CASE("read-only tools at any time, others only inside the window") {
  FakeHost host;
  ChangeWindow window(host.host(), moat::json::parse(R"({"window_utc": "09:00-17:00", "weekdays_only": true})"));
  FakeRequest r;
  r.identity = {{"bob", "{}"}};
  auto request = host.request(r);
  FakeHost::nowUnixMs = monday(10, 30);
  CHECK(window.authorize(request, kWrite) == Decision::Allow);
  FakeHost::nowUnixMs = monday(17, 0);
  CHECK(window.authorize(request, kWrite) == Decision::Deny);
  CHECK(window.authorize(request, kRead) == Decision::Allow);
  FakeHost::nowUnixMs = saturday(10, 30);
  CHECK(window.authorize(request, kWrite) == Decision::Deny);
  CHECK(window.authorize(request, AuthzQuery{"prompt", "get", "summary", "{}", "{}"}) == Decision::Allow);
  CHECK(host.counters["outside_window"] == 2);
}

TEST_CASE("approvers by name or by group may change things outside the window") {
  FakeHost host;
  ChangeWindow window(host.host(), moat::json::parse(R"({"window_utc": "22:00-02:00", "approvers": ["alice"], "approver_groups": ["sre"]})"));
  FakeHost::nowUnixMs = monday(12, 0);
  FakeRequest alice, sre, bob;
  alice.identity = {{"alice", "{}"}};
  sre.identity = {{"carol", R"({"groups": ["dev", "sre"]})"}};
  bob.identity = {{"bob", R"({"groups": ["dev"]})"}};
  auto a = host.request(alice), s = host.request(sre), b = host.request(bob);
  CHECK(window.authorize(a, kWrite) == Decision::Allow);
  CHECK(window.authorize(s, kWrite) == Decision::Allow);
  CHECK(window.authorize(b, kWrite) == Decision::Deny);
  FakeHost::nowUnixMs = monday(23, 30);  // the window runs across midnight
  CHECK(window.authorize(b, kWrite) == Decision::Allow);
}

TEST_CASE("a malformed window is refused with the key named") {
  FakeHost host;
  CHECK_THROWS_WITH(ChangeWindow(host.host(), moat::json::parse(R"({"window_utc": "9-17"})")), Catch::Contains("window_utc"));
  CHECK_THROWS_WITH(ChangeWindow(host.host(), moat::json::parse(R"({"window_utc": "09:00-25:00"})")), Catch::Contains("not a time of day"));
  CHECK_THROWS_WITH(ChangeWindow(host.host(), moat::json::parse(R"({"windows": "x"})")), Catch::Contains("unknown key"));
}
