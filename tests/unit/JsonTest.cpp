#include <catch2/catch.hpp>

#include "moat/json.hpp"

using namespace moat::json;

TEST_CASE("the SDK's JSON reader") {
  Value v = parse(R"({"a":[1,2.5,"x\u00e9\n"],"b":{"c":null,"d":true}})");
  CHECK(v.find("a")->items().at(1).asNumber() == 2.5);
  CHECK(v.find("a")->items().at(2).asString() == "x\xc3\xa9\n");
  CHECK(v.find("b")->find("c")->isNull());
  CHECK(v.find("b")->find("d")->asBool());
  CHECK_THROWS_WITH(parse("{\"a\":}"), Catch::Contains("offset 5"));
  CHECK_THROWS(parse("[1,2] x"));
  CHECK_THROWS(parse(std::string(100, '[')));
  CHECK(quote("a\"b\\\x01") == "\"a\\\"b\\\\\\u0001\"");
}

// Found by tests/fuzz/jsonrpc_fuzz: 1e308 was converted to long long (undefined behaviour), and
// 1e400 parsed to infinity, which write() turned into "inf", not JSON.
TEST_CASE("numbers outside every integer range write as JSON, and infinite ones are refused") {
  CHECK(write(parse("[1e308,-1e308,4e15,-0,0.5]")) == "[1e+308,-1e+308,4000000000000000,0,0.5]");
  CHECK_THROWS_WITH(parse("1e400"), Catch::Contains("number out of range"));
  CHECK_THROWS(parse("[-1e999]"));
}
