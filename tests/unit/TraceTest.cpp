// W3C traceparent parsing (what a client may send), and the OTLP/JSON the exporter posts.
#include <catch2/catch.hpp>

#include "moat/json.hpp"
#include "trace/Exporter.h"
#include "trace/RequestTrace.h"

using namespace moat;

TEST_CASE("traceparent: version 00 parsed, and malformed, all-zero and upper-case ids refused") {
  auto parent = trace::parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  REQUIRE(parent);
  CHECK(trace::hex(parent->traceId.data(), 16) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(trace::hex(parent->spanId.data(), 8) == "00f067aa0ba902b7");
  CHECK(parent->sampled);
  CHECK_FALSE(trace::parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->sampled);
  CHECK_FALSE(trace::parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  CHECK_FALSE(trace::parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  CHECK_FALSE(trace::parseTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  CHECK_FALSE(trace::parseTraceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  CHECK_FALSE(trace::parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  CHECK(trace::parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));  // a later version may add fields
  CHECK_FALSE(trace::parseTraceparent("garbage"));
}

TEST_CASE("a request's spans share its trace and children name the server span as parent") {
  trace::RequestTrace request("POST", trace::parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  trace::Activation active(&request);
  std::string carried;
  {
    trace::ChildSpan child("upstream tools/call", trace::SpanKind::Client);
    REQUIRE(child.active());
    carried = child.traceparent();
  }
  CHECK(carried.substr(0, 36) == "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  CHECK(carried.substr(52) == "-01");
  CHECK(carried.substr(36, 16) != trace::hex(request.server().spanId.data(), 8));
}

TEST_CASE("without a current request a child span is inert") {
  trace::ChildSpan child("runtime start", trace::SpanKind::Internal);
  CHECK_FALSE(child.active());
  CHECK(child.traceparent().empty());
}

TEST_CASE("OTLP/JSON: hex ids, nanosecond strings, typed attributes, status") {
  trace::Span span;
  span.traceId.fill(0xab);
  span.spanId.fill(0x01);
  span.name = "tools/call \"echo\"";
  span.kind = trace::SpanKind::Server;
  span.startNs = 1700000000000000001ull;
  span.endNs = 1700000000000000099ull;
  span.attributes = {{"mcp.method.name", std::string("tools/call")}, {"http.response.status_code", int64_t{200}}, {"moat.flag", true}};
  span.status = trace::SpanStatus::Error;
  span.statusMessage = "boom";
  trace::Settings settings;
  settings.serviceName = "moat-test";
  const json::Value body = json::parse(trace::otlpJson({span}, settings, "host:1"));
  const json::Value& resource = body.find("resourceSpans")->items().at(0);
  CHECK(resource.find("resource")->find("attributes")->items().at(0).find("value")->stringOr("stringValue", "") == "moat-test");
  const json::Value& out = resource.find("scopeSpans")->items().at(0).find("spans")->items().at(0);
  CHECK(out.stringOr("traceId", "") == "abababababababababababababababab");
  CHECK(out.stringOr("spanId", "") == "0101010101010101");
  CHECK(out.find("parentSpanId") == nullptr);
  CHECK(out.stringOr("name", "") == "tools/call \"echo\"");
  CHECK(out.find("kind")->asNumber() == 2);
  CHECK(out.stringOr("startTimeUnixNano", "") == "1700000000000000001");
  const auto& attributes = out.find("attributes")->items();
  CHECK(attributes.at(1).find("value")->stringOr("intValue", "") == "200");
  CHECK(attributes.at(2).find("value")->find("boolValue")->asBool());
  CHECK(out.find("status")->find("code")->asNumber() == 2);
  CHECK(out.find("status")->stringOr("message", "") == "boom");
}
