// The authorizer as the host drives it (ABI 1.6 authorize hook, through the SDK's fake host):
// the identity's subject and claims reach the model, a request without identity is denied,
// decisions are counted, and an evaluation error becomes a failure for the host to deny.
#include <catch2/catch.hpp>

#include "CedarAuthorizer.h"
#include "moat/testing.hpp"

using namespace moat;
using moat::testing::FakeHost;
using moat::testing::FakeRequest;

namespace {

json::Value policies(std::initializer_list<const char*> texts) {
  json::Value config = json::Value::makeObject();
  json::Value list = json::Value::makeArray();
  for (const char* t : texts) list.mutableItems().push_back(json::Value::makeString(t));
  config.mutableMembers()["policies"] = list;
  return config;
}

}  // namespace

TEST_CASE("the authorizer decides with the request's identity, denies without one, and counts") {
  FakeHost host;
  cedar::CedarAuthorizer authorizer(host.host(), policies({R"(permit(principal in THVGroup::"ops", action == Action::"call_tool", resource);)"}));
  AuthzQuery query{"tool", "call", "restart", "{}", "{}"};
  FakeRequest anonymous;
  Request a = host.request(anonymous);
  CHECK(authorizer.authorize(a, query) == Decision::Deny);
  FakeRequest ops;
  ops.identity = {{"carol", R"({"sub":"carol","groups":["ops"]})"}};
  Request o = host.request(ops);
  CHECK(authorizer.authorize(o, query) == Decision::Allow);
  FakeRequest dev;
  dev.identity = {{"dave", R"({"sub":"dave","groups":["dev"]})"}};
  Request d = host.request(dev);
  CHECK(authorizer.authorize(d, query) == Decision::Deny);
  CHECK(host.counters["allowed"] == 1);
  CHECK(host.counters["denied"] == 1);
  CHECK(host.counters["denied_anonymous"] == 1);
}

TEST_CASE("a policy erring on a request is a failure the host will deny, not an allow") {
  FakeHost host;
  cedar::CedarAuthorizer authorizer(host.host(), policies({R"(permit(principal, action, resource);)",
                                                           R"(forbid(principal, action, resource) when { context.claim_level > 3 };)"}));
  FakeRequest r;
  r.identity = {{"erin", R"({"sub":"erin"})"}};
  Request request = host.request(r);
  CHECK_THROWS(authorizer.authorize(request, AuthzQuery{"tool", "call", "x", "{}", "{}"}));
}

TEST_CASE("a broken policy refuses to create the instance, with the position") {
  FakeHost host;
  CHECK_THROWS_WITH(cedar::CedarAuthorizer(host.host(), policies({"permit(principal, action, resource) when { };"})),
                    Catch::Contains("policies[0]:1:"));
}

TEST_CASE("decisions are cached by their exact inputs, arguments only when a policy reads them, for the TTL") {
  FakeHost host;
  json::Value config = policies({R"(permit(principal, action == Action::"call_tool", resource == Tool::"echo");)"});
  config.mutableMembers()["decision_cache_ttl"] = json::Value::makeString("10s");
  cedar::CedarAuthorizer noArgs(host.host(), config);
  FakeRequest r;
  r.identity = {{"alice", R"({"sub":"alice"})"}};
  Request request = host.request(r);
  CHECK(noArgs.authorize(request, AuthzQuery{"tool", "call", "echo", R"({"message":"a"})", "{}"}) == Decision::Allow);
  CHECK(noArgs.authorize(request, AuthzQuery{"tool", "call", "echo", R"({"message":"b"})", "{}"}) == Decision::Allow);
  CHECK(host.counters["cache_hits"] == 1);  // no policy reads arguments: one decision serves both
  CHECK(noArgs.authorize(request, AuthzQuery{"tool", "call", "rm", "{}", "{}"}) == Decision::Deny);
  CHECK(host.counters["cache_hits"] == 1);
  FakeHost::nowMonotonicMs += 10'001;
  CHECK(noArgs.authorize(request, AuthzQuery{"tool", "call", "echo", "{}", "{}"}) == Decision::Allow);
  CHECK(host.counters["cache_hits"] == 1);  // expired: decided again

  FakeHost other;
  cedar::CedarAuthorizer withArgs(other.host(), policies({R"(permit(principal, action, resource) when { resource has arg_message && resource.arg_message == "a" };)"}));
  Request again = other.request(r);
  CHECK(withArgs.authorize(again, AuthzQuery{"tool", "call", "echo", R"({"message":"a"})", "{}"}) == Decision::Allow);
  CHECK(withArgs.authorize(again, AuthzQuery{"tool", "call", "echo", R"({"message":"b"})", "{}"}) == Decision::Deny);
  CHECK(other.counters["cache_hits"] == 0);
  CHECK(withArgs.authorize(again, AuthzQuery{"tool", "call", "echo", R"({"message":"a"})", "{}"}) == Decision::Allow);
  CHECK(other.counters["cache_hits"] == 1);
  FakeRequest bob;
  bob.identity = {{"bob", R"({"sub":"bob"})"}};
  Request asBob = other.request(bob);
  CHECK(withArgs.authorize(asBob, AuthzQuery{"tool", "call", "echo", R"({"message":"a"})", "{}"}) == Decision::Allow);
  CHECK(other.counters["cache_hits"] == 1);  // another subject is another key
}
