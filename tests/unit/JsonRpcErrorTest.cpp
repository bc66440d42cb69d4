#include <catch2/catch.hpp>

#include "server/JsonRpcError.h"

using namespace moat::gateway;

TEST_CASE("the error carries the request's id") {
  CHECK(rpcIdJson(R"({"jsonrpc":"2.0","id":7,"method":"ping"})") == "7");
  CHECK(rpcIdJson(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})") == "\"abc\"");
  CHECK(rpcIdJson(R"({"jsonrpc":"2.0","method":"notifications/initialized"})") == "null");
  CHECK(rpcIdJson("not json") == "null");
  CHECK(rpcIdJson(R"([{"id":1}])") == "null");
}

TEST_CASE("error bodies are valid JSON-RPC with escaped messages") {
  CHECK(rpcErrorBody("3", -32001, "upstream \"x\" down") ==
        R"({"jsonrpc":"2.0","id":3,"error":{"code":-32001,"message":"upstream \"x\" down"}})");
}
