#define CATCH_CONFIG_MAIN
// authz-http over the SDK's fake host: the PORC document ToolHive's HTTP PDP authorizer sends
// (its wire format, field by field), OPA's input wrapping and both forms of its result, and
// fail-closed answers to every kind of non-decision. The real decision point (Open Policy
// Agent) is met in tests/integration/authz-http.test.mjs.
#include <catch2/catch.hpp>

#include "HttpAuthorizer.h"
#include "moat/testing.hpp"

using namespace moat;
using moat::testing::FakeHost;
using moat::testing::FakeRequest;

namespace {

struct Pdp {
  std::string url;
  std::string body;
  int calls = 0;
  int status = 200;
  std::string answer = R"({"allow": true})";
  bool unreachable = false;
};

void serve(FakeHost& host, Pdp& pdp) {
  host.http = [&pdp](const moat_http_call& call, Host::HttpResponse& response, std::string& error) {
    ++pdp.calls;
    pdp.url = std::string(call.url.ptr, call.url.len);
    pdp.body = std::string(call.body.ptr, call.body.len);
    if (pdp.unreachable) {
      error = "connection refused";
      return false;
    }
    response.status = pdp.status;
    response.body = pdp.answer;
    return true;
  };
}

json::Value config(const std::string& text) { return json::parse(text); }

FakeRequest alice() {
  FakeRequest r;
  r.identity = {{"alice", R"({"sub":"alice","groups":["eng"],"roles":["admin"],"scope":"openid mcp:tools","email":"a@x"})"}};
  return r;
}

}  // namespace

TEST_CASE("porc: ToolHive's document goes to <url>/decision and {allow} decides") {
  FakeHost host;
  Pdp pdp;
  serve(host, pdp);
  pdp::HttpAuthorizer authorizer(host.host(), config(R"({"url": "http://pdp.local:9000/", "server_id": "github"})"));
  FakeRequest r = alice();
  Request request = host.request(r);
  CHECK(authorizer.authorize(request, AuthzQuery{"tool", "call", "create_issue", R"({"title":"t"})", "{}"}) == Decision::Allow);
  CHECK(pdp.url == "http://pdp.local:9000/decision");
  const json::Value sent = json::parse(pdp.body);
  CHECK(sent.find("operation")->asString() == "mcp:tool:call");
  CHECK(sent.find("resource")->asString() == "mrn:mcp:github:tool:create_issue");
  const json::Value& principal = *sent.find("principal");
  CHECK(principal.stringOr("sub", "") == "alice");
  CHECK(principal.find("mgroups")->items().at(0).asString() == "eng");
  CHECK(principal.find("mroles")->items().at(0).asString() == "admin");
  CHECK(principal.stringOr("scopes", "") == "openid mcp:tools");
  CHECK(principal.find("mannotations")->isObject());
  CHECK(principal.find("email") == nullptr);  // only the mapped claims
  const json::Value& mcp = *sent.find("context")->find("mcp");
  CHECK(mcp.stringOr("feature", "") == "tool");
  CHECK(mcp.stringOr("operation", "") == "call");
  CHECK(mcp.stringOr("resource_id", "") == "create_issue");
  CHECK(mcp.find("args")->stringOr("title", "") == "t");
  pdp.answer = R"({"allow": false})";
  CHECK(authorizer.authorize(request, AuthzQuery{"prompt", "get", "secret", "{}", "{}"}) == Decision::Deny);
}

TEST_CASE("opa: the document is OPA's input, and result true or {allow: true} allows") {
  FakeHost host;
  Pdp pdp;
  serve(host, pdp);
  pdp::HttpAuthorizer authorizer(host.host(), config(R"({"url": "http://opa.local:8181/v1/data/mcp/allow", "shape": "opa", "decision_cache_size": 0})"));
  FakeRequest r = alice();
  Request request = host.request(r);
  pdp.answer = R"({"result": true})";
  CHECK(authorizer.authorize(request, AuthzQuery{"tool", "call", "echo", "{}", "{}"}) == Decision::Allow);
  CHECK(pdp.url == "http://opa.local:8181/v1/data/mcp/allow");
  CHECK(json::parse(pdp.body).find("input")->find("operation")->asString() == "mcp:tool:call");
  pdp.answer = R"({"result": {"allow": false, "reason": "x"}})";
  CHECK(authorizer.authorize(request, AuthzQuery{"tool", "call", "echo", "{}", "{}"}) == Decision::Deny);
  pdp.answer = R"({})";  // an undefined document: no decision
  CHECK_THROWS_WITH(authorizer.authorize(request, AuthzQuery{"tool", "call", "echo", "{}", "{}"}), Catch::Contains("no boolean decision"));
}

TEST_CASE("fail closed: unreachable, an HTTP error, garbage and a non-boolean are failures, never allows") {
  FakeHost host;
  Pdp pdp;
  serve(host, pdp);
  pdp::HttpAuthorizer authorizer(host.host(), config(R"({"url": "http://pdp.local:9000", "decision_cache_size": 0})"));
  FakeRequest r = alice();
  Request request = host.request(r);
  const AuthzQuery query{"tool", "call", "echo", "{}", "{}"};
  pdp.unreachable = true;
  CHECK_THROWS_WITH(authorizer.authorize(request, query), Catch::Contains("cannot be reached"));
  pdp.unreachable = false;
  pdp.status = 500;
  CHECK_THROWS_WITH(authorizer.authorize(request, query), Catch::Contains("HTTP 500"));
  pdp.status = 200;
  pdp.answer = "<html>";
  CHECK_THROWS_WITH(authorizer.authorize(request, query), Catch::Contains("not JSON"));
  pdp.answer = R"({"allow": "yes"})";
  CHECK_THROWS_WITH(authorizer.authorize(request, query), Catch::Contains("no boolean decision"));
  CHECK(host.counters["unavailable"] == 2);
  FakeRequest anonymous;
  Request nobody = host.request(anonymous);
  const int before = pdp.calls;
  CHECK(authorizer.authorize(nobody, query) == Decision::Deny);
  CHECK(pdp.calls == before);  // no identity: denied without asking
}

TEST_CASE("decisions are cached for the TTL by their inputs, arguments included") {
  FakeHost host;
  Pdp pdp;
  serve(host, pdp);
  pdp::HttpAuthorizer authorizer(host.host(), config(R"({"url": "http://pdp.local:9000", "decision_cache_ttl": "5s"})"));
  FakeRequest r = alice();
  Request request = host.request(r);
  authorizer.authorize(request, AuthzQuery{"tool", "call", "echo", R"({"m":1})", "{}"});
  authorizer.authorize(request, AuthzQuery{"tool", "call", "echo", R"({"m":1})", "{}"});
  CHECK(pdp.calls == 1);
  authorizer.authorize(request, AuthzQuery{"tool", "call", "echo", R"({"m":2})", "{}"});
  CHECK(pdp.calls == 2);
  FakeHost::nowMonotonicMs += 5'001;
  authorizer.authorize(request, AuthzQuery{"tool", "call", "echo", R"({"m":1})", "{}"});
  CHECK(pdp.calls == 3);
}

TEST_CASE("settings name the key that is wrong") {
  FakeHost host;
  CHECK_THROWS_WITH(pdp::HttpAuthorizer(host.host(), config("{}")), Catch::Contains("url: required"));
  CHECK_THROWS_WITH(pdp::HttpAuthorizer(host.host(), config(R"({"url": "ftp://x"})")), Catch::Contains("url: expected an http"));
  CHECK_THROWS_WITH(pdp::HttpAuthorizer(host.host(), config(R"({"url": "http://x", "shape": "xacml"})")), Catch::Contains("shape: expected porc"));
}
