// The metric registry's exposition (labels, escaping, histogram buckets, the series cap), the
// answer watch that tells a tool's error from its success without parsing, and the fixed label
// vocabularies a client cannot widen.
#include <catch2/catch.hpp>

#include <string>

#include "gateway/AnswerWatch.h"
#include "gateway/RequestMetrics.h"
#include "metrics/Registry.h"

using namespace moat;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("counters carry their labels in order, escaped, and sum over series") {
  metrics::describe("test_escaped_total", "A test counter.");
  metrics::count("test_escaped_total", {{"route", "a\"b\\c\nd"}, {"code", "200"}}, 2);
  metrics::count("test_escaped_total", {{"route", "plain"}, {"code", ""}});
  const std::string text = metrics::exposition();
  CHECK(contains(text, "# HELP test_escaped_total A test counter.\n# TYPE test_escaped_total counter\n"));
  CHECK(contains(text, "test_escaped_total{route=\"a\\\"b\\\\c\\nd\",code=\"200\"} 2\n"));
  CHECK(contains(text, "test_escaped_total{route=\"plain\"} 1\n"));  // an empty value is no label
  CHECK(metrics::valueOf("test_escaped_total") == 3);
  CHECK(metrics::valueOf("test_escaped_total", {{"route", "plain"}}) == 1);
}

TEST_CASE("a histogram exposes cumulative buckets, +Inf, sum and count") {
  metrics::observe("test_duration_seconds", {{"route", "r"}}, 0.003);
  metrics::observe("test_duration_seconds", {{"route", "r"}}, 0.3);
  metrics::observe("test_duration_seconds", {{"route", "r"}}, 60);
  const std::string text = metrics::exposition();
  CHECK(contains(text, "# TYPE test_duration_seconds histogram\n"));
  CHECK(contains(text, "test_duration_seconds_bucket{route=\"r\",le=\"0.0025\"} 0\n"));
  CHECK(contains(text, "test_duration_seconds_bucket{route=\"r\",le=\"0.005\"} 1\n"));
  CHECK(contains(text, "test_duration_seconds_bucket{route=\"r\",le=\"0.5\"} 2\n"));
  CHECK(contains(text, "test_duration_seconds_bucket{route=\"r\",le=\"10\"} 2\n"));
  CHECK(contains(text, "test_duration_seconds_bucket{route=\"r\",le=\"+Inf\"} 3\n"));
  CHECK(contains(text, "test_duration_seconds_sum{route=\"r\"} 60.303\n"));
  CHECK(contains(text, "test_duration_seconds_count{route=\"r\"} 3\n"));
}

TEST_CASE("past the series cap, new label sets are counted under \"other\"") {
  for (size_t i = 0; i < metrics::kMaxSeries + 50; ++i) metrics::count("test_capped_total", {{"tool", "tool-" + std::to_string(i)}});
  const std::string text = metrics::exposition();
  CHECK(contains(text, "test_capped_total{tool=\"tool-0\"} 1\n"));
  CHECK_FALSE(contains(text, "tool-" + std::to_string(metrics::kMaxSeries + 10)));
  CHECK(contains(text, "test_capped_total{tool=\"other\"} 50\n"));
  CHECK(metrics::valueOf("test_capped_total") == static_cast<int64_t>(metrics::kMaxSeries + 50));
}

TEST_CASE("the answer watch finds an error object or isError, across writes, and not inside strings") {
  SECTION("a tool result with isError, spaced as Python writes it") {
    gateway::AnswerWatch watch;
    watch.see(R"({"jsonrpc": "2.0", "id": 3, "result": {"content": [], "isError": true}})");
    CHECK(watch.sawError());
  }
  SECTION("a JSON-RPC error split between two SSE writes") {
    gateway::AnswerWatch watch;
    watch.see("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"err");
    CHECK_FALSE(watch.sawError());
    watch.see("or\":{\"code\":-32602,\"message\":\"bad\"}}\n\n");
    CHECK(watch.sawError());
    CHECK(watch.bytes() > 60);
  }
  SECTION("the words inside a tool's text are not keys") {
    gateway::AnswerWatch watch;
    watch.see(R"({"result":{"content":[{"type":"text","text":"{\"isError\": true, \"error\": {}}"}],"isError":false}})");
    CHECK_FALSE(watch.sawError());
  }
}

TEST_CASE("label vocabularies are fixed lists") {
  CHECK(gateway::methodLabel("POST", "tools/call") == "tools/call");
  CHECK(gateway::methodLabel("POST", "x-invented/method-12345") == "other");
  CHECK(gateway::methodLabel("POST", "") == "none");
  CHECK(gateway::methodLabel("GET", "") == "GET");
  CHECK(gateway::methodLabel("PATCH", "") == "other");
  CHECK(gateway::authenticationFailureReason(401, R"(Bearer resource_metadata="https://x/.well-known/oauth-protected-resource")") == "missing_token");
  CHECK(gateway::authenticationFailureReason(401, R"(Bearer error="invalid_token", error_description="expired")") == "invalid_token");
  CHECK(gateway::authenticationFailureReason(403, R"(Bearer error="insufficient_scope", scope="a b")") == "insufficient_scope");
  CHECK(gateway::authenticationFailureReason(503, "") == "unavailable");
  CHECK(gateway::authenticationFailureReason(401, R"(Bearer error="made_up")") == "other");
}
