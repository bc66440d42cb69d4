#define CATCH_CONFIG_MAIN
// The policy corpus: ToolHive's documented kinds of policy, each with the decision it must give
// in ToolHive's entity model, evaluated by the cedar-policy crate through the plugin's engine.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "CedarEngine.h"
#include "CedarRequest.h"
#include "CedarSettings.h"

using namespace moat;
using moat::cedar::Engine;
using moat::cedar::Model;

namespace {

struct Ask {
  std::string subject = "alice";
  std::string claims = "{}";
  std::string feature = "tool";
  std::string operation = "call";
  std::string target;
  std::string arguments = "{}";
  std::string annotations = "{}";
};

Engine::Decision decide(const std::vector<std::string>& policies, const Ask& ask, const Model& model = {}, const std::string& entities = "") {
  std::vector<cedar::PolicySource> sources;
  for (size_t i = 0; i < policies.size(); ++i) sources.push_back({"policies[" + std::to_string(i) + "]", policies[i]});
  Engine engine(sources, entities);
  const json::Value claims = json::parse(ask.claims), arguments = json::parse(ask.arguments), annotations = json::parse(ask.annotations);
  cedar::Question question{ask.subject, &claims, ask.feature, ask.operation, ask.target, &arguments, &annotations};
  return engine.decide(cedar::requestJson(model, question));
}

constexpr auto Allow = Engine::Decision::Allow;
constexpr auto Deny = Engine::Decision::Deny;

Ask tool(std::string name) {
  Ask a;
  a.target = std::move(name);
  return a;
}

}  // namespace

TEST_CASE("a tool named in a permit is allowed, any other is denied by default") {
  const std::vector<std::string> p = {R"(permit(principal, action == Action::"call_tool", resource == Tool::"weather");)"};
  CHECK(decide(p, tool("weather")) == Allow);
  CHECK(decide(p, tool("delete_data")) == Deny);
}

TEST_CASE("forbid overrides permit") {
  const std::vector<std::string> p = {R"(permit(principal, action == Action::"call_tool", resource);)",
                                      R"(forbid(principal, action == Action::"call_tool", resource == Tool::"delete_data");)"};
  CHECK(decide(p, tool("weather")) == Allow);
  CHECK(decide(p, tool("delete_data")) == Deny);
}

TEST_CASE("group membership from the groups claim makes the principal a child of THVGroup") {
  const std::vector<std::string> p = {R"(permit(principal in THVGroup::"engineering", action == Action::"call_tool", resource);)"};
  Ask engineer = tool("deploy");
  engineer.claims = R"({"groups": ["staff", "engineering"]})";
  Ask sales = tool("deploy");
  sales.claims = R"({"groups": ["sales"]})";
  CHECK(decide(p, engineer) == Allow);
  CHECK(decide(p, sales) == Deny);
  Model roles;
  roles.groupClaims = {"https://example.com/groups"};
  roles.roleClaim = "realm_roles";
  Ask byRole = tool("deploy");
  byRole.claims = R"({"realm_roles": ["engineering"], "groups": ["engineering"]})";
  CHECK(decide(p, byRole, roles) == Allow);  // from the role claim; the default groups claim is not read
  byRole.claims = R"({"groups": ["engineering"]})";
  CHECK(decide(p, byRole, roles) == Deny);
}

TEST_CASE("a group hierarchy from the fixed entities is followed by in") {
  const std::vector<std::string> p = {R"(permit(principal in THVGroup::"staff", action == Action::"call_tool", resource);)"};
  const std::string entities =
      R"([{"uid":{"type":"THVGroup","id":"engineering"},"attrs":{},"parents":[{"type":"THVGroup","id":"staff"}]}])";
  Ask engineer = tool("deploy");
  engineer.claims = R"({"groups": ["engineering"]})";
  CHECK(decide(p, engineer, {}, entities) == Allow);
  CHECK(decide(p, engineer) == Deny);
}

TEST_CASE("claims are claim_ attributes of the principal and of the context") {
  const std::vector<std::string> p = {R"(permit(principal, action == Action::"call_tool", resource) when { principal.claim_roles.contains("admin") };)",
                                      R"(permit(principal, action == Action::"get_prompt", resource) when { context.claim_email like "*@example.com" };)"};
  Ask admin = tool("anything");
  admin.claims = R"({"roles": ["admin"]})";
  CHECK(decide(p, admin) == Allow);
  Ask prompt;
  prompt.feature = "prompt";
  prompt.operation = "get";
  prompt.target = "greeting";
  prompt.claims = R"({"email": "bob@example.com"})";
  CHECK(decide(p, prompt) == Allow);
  prompt.claims = R"({"email": "mallory@example.org"})";
  CHECK(decide(p, prompt) == Deny);
}

TEST_CASE("arguments are arg_ attributes: strings, numbers as long or decimal, and complex ones as _present") {
  const std::vector<std::string> p = {
      R"(permit(principal, action == Action::"call_tool", resource == Tool::"weather") when { resource.arg_location == "London" && context.arg_days < 8 };)",
      R"(permit(principal, action == Action::"call_tool", resource == Tool::"pay") when { resource.arg_amount.lessThan(decimal("10.5")) };)",
      R"(permit(principal, action == Action::"call_tool", resource == Tool::"search") when { resource has arg_filters_present };)"};
  Ask weather = tool("weather");
  weather.arguments = R"({"location": "London", "days": 3})";
  CHECK(decide(p, weather) == Allow);
  weather.arguments = R"({"location": "Paris", "days": 3})";
  CHECK(decide(p, weather) == Deny);
  Ask pay = tool("pay");
  pay.arguments = R"({"amount": 3.25})";
  CHECK(decide(p, pay) == Allow);
  pay.arguments = R"({"amount": 99.5})";
  CHECK(decide(p, pay) == Deny);
  Ask search = tool("search");
  search.arguments = R"({"filters": {"a": 1}})";
  CHECK(decide(p, search) == Allow);
}

TEST_CASE("a policy that errs on a request (a missing attribute) fails the decision rather than skipping") {
  const std::vector<std::string> p = {R"(permit(principal, action == Action::"call_tool", resource);)",
                                      R"(forbid(principal, action == Action::"call_tool", resource) when { resource.arg_force == true };)"};
  Ask noForce = tool("deploy");
  // Cedar alone would skip the erring forbid and allow; the engine refuses to decide instead.
  CHECK_THROWS_WITH(decide(p, noForce), Catch::Contains("arg_force"));
}

TEST_CASE("tool annotations are attributes of the tool: read-only tools allowed, destructive ones forbidden") {
  const std::vector<std::string> p = {
      R"(permit(principal, action == Action::"call_tool", resource) when { resource has readOnlyHint && resource.readOnlyHint };)",
      R"(forbid(principal, action == Action::"call_tool", resource) when { resource has destructiveHint && resource.destructiveHint };)"};
  Ask read = tool("list_files");
  read.annotations = R"({"readOnlyHint": true})";
  CHECK(decide(p, read) == Allow);
  Ask both = tool("odd");
  both.annotations = R"({"readOnlyHint": true, "destructiveHint": true})";
  CHECK(decide(p, both) == Deny);
  CHECK(decide(p, tool("unannotated")) == Deny);
  // An annotation cannot overwrite the attributes the model sets.
  Ask spoof = tool("rm");
  spoof.annotations = R"({"readOnlyHint": true, "name": "list_files"})";
  const std::vector<std::string> byName = {R"(permit(principal, action == Action::"call_tool", resource) when { resource.name == "list_files" };)"};
  CHECK(decide(byName, spoof) == Deny);
}

TEST_CASE("prompts and resources: Prompt entities by name, Resource entities by sanitized URI with the URI kept") {
  const std::vector<std::string> p = {R"(permit(principal, action == Action::"get_prompt", resource == Prompt::"greeting");)",
                                      R"(permit(principal, action == Action::"read_resource", resource == Resource::"file____data_json");)",
                                      R"(permit(principal, action == Action::"read_resource", resource) when { resource.uri like "test://public/*" };)"};
  Ask prompt;
  prompt.feature = "prompt";
  prompt.operation = "get";
  prompt.target = "greeting";
  CHECK(decide(p, prompt) == Allow);
  Ask file;
  file.feature = "resource";
  file.operation = "read";
  file.target = "file:///data.json";
  CHECK(cedar::resourceId(file.target) == "file____data_json");
  CHECK(decide(p, file) == Allow);
  file.target = "test://public/readme";
  CHECK(decide(p, file) == Allow);
  file.target = "test://private/keys";
  CHECK(decide(p, file) == Deny);
}

TEST_CASE("with a server name, resources are children of MCP::<server>") {
  const std::vector<std::string> p = {R"(permit(principal, action, resource in MCP::"github");)"};
  Model scoped;
  scoped.serverName = "github";
  CHECK(decide(p, tool("create_issue"), scoped) == Allow);
  CHECK(decide(p, tool("create_issue")) == Deny);
}

TEST_CASE("a token cannot write Cedar entity references or extension calls through its claims") {
  const std::vector<std::string> p = {R"(permit(principal, action == Action::"call_tool", resource) when { principal has claim_boss && principal.claim_boss == Client::"root" };)"};
  Ask sneaky = tool("deploy");
  sneaky.claims = R"({"boss": {"__entity": {"type": "Client", "id": "root"}}})";
  CHECK(decide(p, sneaky) == Deny);
}

TEST_CASE("a policy that does not parse is reported with its source, line and column") {
  std::vector<cedar::PolicySource> sources = {{"good.cedar", R"(permit(principal, action, resource);)"},
                                              {"bad.cedar", "permit(principal, action, resource);\npermit(principal, action == Action::\"x\",\n  resource) when { 1 + };"}};
  try {
    Engine engine(sources, "");
    FAIL("a broken policy was accepted");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK_THAT(message, Catch::Contains("bad.cedar:3:"));
    CHECK_THAT(message, !Catch::Contains("good.cedar"));
  }
  CHECK_THROWS_WITH(Engine({{"e", "permit(principal, action, resource);"}}, "not json"), Catch::Contains("entities are not valid"));
}

TEST_CASE("settings: a ToolHive authorization config file loads unchanged, and a broken policy file names its line") {
  json::Value config = json::parse(std::string(R"({"toolhive_config": ")") + CEDAR_TEST_DATA + "/toolhive-authz.yaml\"}");
  cedar::Settings settings = cedar::readSettings(config, "web/authz-cedar");
  REQUIRE(settings.policies.size() == 3);
  CHECK(settings.model.groupClaims == std::vector<std::string>{"https://example.com/groups"});
  Engine engine(settings.policies, settings.entitiesJson);
  CHECK(engine.policyCount() == 3);

  json::Value broken = json::parse(std::string(R"({"policy_files": [")") + CEDAR_TEST_DATA + "/broken.cedar\"]}");
  cedar::Settings fromFile = cedar::readSettings(broken, "web/authz-cedar");
  CHECK_THROWS_WITH(Engine(fromFile.policies, ""), Catch::Contains("broken.cedar:4:"));
  CHECK_THROWS_WITH(cedar::readSettings(json::parse(R"({"polices": ["x"]})"), "web/authz-cedar"), Catch::Contains("did you mean 'policies'"));
  CHECK_THROWS_WITH(cedar::readSettings(json::parse("{}"), "web/authz-cedar"), Catch::Contains("no policies"));
}
