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
