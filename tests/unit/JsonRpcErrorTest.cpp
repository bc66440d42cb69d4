#include <catch2/catch.hpp>

#include "moat/jsonrpc.hpp"

using namespace moat;

TEST_CASE("the error carries the request's id") {
  CHECK(jsonrpc::idJson(R"({"jsonrpc":"2.0","id":7,"method":"ping"})") == "7");
  CHECK(jsonrpc::idJson(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})") == "\"abc\"");
  CHECK(jsonrpc::idJson(R"({"jsonrpc":"2.0","method":"notifications/initialized"})") == "null");
  CHECK(jsonrpc::idJson("not json") == "null");
  CHECK(jsonrpc::idJson(R"([{"id":1}])") == "null");
}

TEST_CASE("error bodies are valid JSON-RPC with escaped messages") {
  CHECK(jsonrpc::errorBody("3", -32001, "upstream \"x\" down") ==
        R"({"jsonrpc":"2.0","id":3,"error":{"code":-32001,"message":"upstream \"x\" down"}})");
}

TEST_CASE("every server-defined error code has one meaning") {
  const int codes[] = {jsonrpc::kUnauthorized, jsonrpc::kUpstreamTimeout, jsonrpc::kForbidden, jsonrpc::kStageFailed,
                       jsonrpc::kTooLarge, jsonrpc::kNotFound, jsonrpc::kShuttingDown, jsonrpc::kAuthUnavailable,
                       jsonrpc::kUpstreamUnreachable, jsonrpc::kLoginRequired};
  for (size_t i = 0; i < std::size(codes); ++i) {
    CHECK(codes[i] <= -32000);
    CHECK(codes[i] >= -32099);
    for (size_t j = i + 1; j < std::size(codes); ++j) CHECK(codes[i] != codes[j]);
  }
}
