#include <catch2/catch.hpp>

#include "clients/ServerTable.h"

using namespace moat::clients;

namespace {

const Fields kEntry = {{"url", std::string("http://127.0.0.1:9/mcp")}};

}  // namespace

TEST_CASE("JSONC: an entry added after a member with a trailing comma, and removed again") {
  const std::string original = "{\n  \"servers\": {\n    \"a\": {\"url\": \"x\"}, // mine\n  },\n}\n";
  const std::string added = jsoncServerTable(original, "servers")->upsert("moat", kEntry);
  CHECK(added == "{\n  \"servers\": {\n    \"a\": {\"url\": \"x\"},\n    \"moat\": {\n      \"url\": \"http://127.0.0.1:9/mcp\"\n    }, // mine\n  },\n}\n");
  CHECK(jsoncServerTable(added, "servers")->remove("moat") == original);
}

TEST_CASE("JSONC: the first of several members is removed with its comma, the only member leaves {}") {
  const std::string two = "{\"servers\": {\n  \"moat\": {\"url\": \"u\"},\n  \"b\": 1\n}}";
  CHECK(jsoncServerTable(two, "servers")->remove("moat") == "{\"servers\": {\n  \"b\": 1\n}}");
  CHECK(jsoncServerTable("{\"servers\": {\n  \"moat\": 1\n}}", "servers")->remove("moat") == "{\"servers\": {}}");
  CHECK(jsoncServerTable("{\"servers\": {}}", "servers")->remove("absent") == "{\"servers\": {}}");
}

TEST_CASE("JSONC: an empty file, and a file without the servers key, gain one") {
  CHECK(jsoncServerTable("", "mcpServers")->upsert("moat", kEntry) ==
        "{\n  \"mcpServers\": {\n    \"moat\": {\n      \"url\": \"http://127.0.0.1:9/mcp\"\n    }\n  }\n}\n");
  CHECK(jsoncServerTable("{}", "mcpServers")->upsert("moat", kEntry) ==
        "{\n  \"mcpServers\": {\n    \"moat\": {\n      \"url\": \"http://127.0.0.1:9/mcp\"\n    }\n  }\n}");
  const std::string nested = "{\n  \"projects\": {\"p\": {\"mcpServers\": {\"moat\": 1}}}\n}";
  auto table = jsoncServerTable(nested, "mcpServers");
  CHECK(table->names().empty());  // a nested key of the same name is not the client's list
  CHECK(table->remove("moat") == nested);
}

TEST_CASE("JSONC: an existing entry is replaced in place, escaped keys are read decoded") {
  const std::string text = "{\"mcpServers\": {\"a\\u0062\": {\"url\": \"old\"}}}";
  auto table = jsoncServerTable(text, "mcpServers");
  REQUIRE(table->names() == std::vector<std::string>{"ab"});
  CHECK(table->upsert("ab", kEntry) == "{\"mcpServers\": {\"a\\u0062\": {\"url\": \"http://127.0.0.1:9/mcp\"}}}");
}

TEST_CASE("JSONC: malformed files are refused with line and column") {
  CHECK_THROWS_WITH(jsoncServerTable("{\n  \"a\": 1,,\n}", "s"), "line 2, column 10: expected a member name in double quotes");
  CHECK_THROWS_WITH(jsoncServerTable("{\"a\": /* never closed", "s"), Catch::StartsWith("line 1, column 7: a /* comment is never closed"));
  CHECK_THROWS_WITH(jsoncServerTable("[1]", "s"), "line 1, column 1: the file must hold one JSON object");
  CHECK_THROWS_WITH(jsoncServerTable("{\"s\": []}", "s"), "line 1, column 7: \"s\" must be an object");
}

TEST_CASE("YAML: a zero-indented list gains an item at its indent, and loses it again") {
  const std::string original = "mcpServers:\n- name: a\n  command: x\nmodels: []\n";
  const std::string added = yamlListServerTable(original, "mcpServers", "name")->upsert("moat", {{"name", std::string("moat")}, {"url", std::string("u")}});
  CHECK(added == "mcpServers:\n- name: a\n  command: x\n- name: \"moat\"\n  url: \"u\"\nmodels: []\n");
  CHECK(yamlListServerTable(added, "mcpServers", "name")->names() == std::vector<std::string>{"a", "moat"});
  CHECK(yamlListServerTable(added, "mcpServers", "name")->remove("moat") == original);
}

TEST_CASE("YAML: an empty or absent mapping, keys that need quotes, and what is refused") {
  CHECK(yamlMapServerTable("extensions: {}  # none yet\n", "extensions")->upsert("yes", kEntry) ==
        "extensions:  # none yet\n  \"yes\":\n    url: \"http://127.0.0.1:9/mcp\"\n");
  const std::string one = "a: 1\nextensions:\n  moat:\n    url: \"u\"\n";
  CHECK(yamlMapServerTable(one, "extensions")->remove("moat") == "a: 1\nextensions: {}\n");
  CHECK(yamlMapServerTable("a: 1", "extensions")->upsert("m", kEntry) == "a: 1\nextensions:\n  m:\n    url: \"http://127.0.0.1:9/mcp\"\n");
  CHECK_THROWS_WITH(yamlMapServerTable("- a\n- b\n", "extensions"), "line 1, column 1: the file must be a YAML mapping");
  CHECK_THROWS_WITH(yamlMapServerTable("extensions: [a]\n", "extensions"), "line 1, column 13: extensions is written in flow style; moat edits block-style YAML only");
}

TEST_CASE("TOML: subtables go with their server, servers written as keys are left alone") {
  const std::string text = "[mcp_servers.a]\ncommand = \"x\"\n\n[mcp_servers.a.env]\nK = \"v\"\n\n[other]\nq = 1\n";
  auto table = tomlServerTable(text, "mcp_servers");
  CHECK(table->names() == std::vector<std::string>{"a"});
  CHECK(table->remove("a") == "[other]\nq = 1\n");
  CHECK(table->upsert("a", kEntry) == "[mcp_servers.a]\nurl = \"http://127.0.0.1:9/mcp\"\n\n[other]\nq = 1\n");

  const std::string inlineForm = "[mcp_servers]\nb = { url = \"u\" }\n";
  CHECK(tomlServerTable(inlineForm, "mcp_servers")->names() == std::vector<std::string>{"b"});
  CHECK_THROWS_WITH(tomlServerTable(inlineForm, "mcp_servers")->upsert("b", kEntry), Catch::Contains("is written as keys, not as a table"));
  CHECK(tomlServerTable("x = 1", "mcp_servers")->upsert("m", kEntry) == "x = 1\n\n[mcp_servers.m]\nurl = \"http://127.0.0.1:9/mcp\"\n");
}

TEST_CASE("TOML: multi-line strings and arrays are read, malformed files are refused with line and column") {
  const std::string text = "s = \"\"\"\n[not a table]\n\"\"\"\na = [\n  1, # one\n  2,\n]\n";
  CHECK(tomlServerTable(text, "mcp_servers")->names().empty());
  CHECK_THROWS_WITH(tomlServerTable("[mcp_servers.a\nx = 1\n", "mcp_servers"), "line 1, column 15: expected ']' to close the table header");
  CHECK_THROWS_WITH(tomlServerTable("x = \"open\n", "mcp_servers"), "line 1, column 5: a string is never closed on its line");
  CHECK_THROWS_WITH(tomlServerTable("x 1\n", "mcp_servers"), "line 1, column 3: expected '=' after the key");
}
