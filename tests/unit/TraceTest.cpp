// W3C traceparent parsing (what a client may send), and the OTLP/JSON the exporter posts.
#include <catch2/catch.hpp>

#include "moat/json.hpp"
#include "trace/Exporter.h"
#include "trace/Otlp.h"
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
  const json::Value body = json::parse(trace::otlpJson({span}, {"moat-test", "", "host:1"}));
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

namespace {

// Enough of a protobuf reader to walk the exporter's output: each field as number, wire type and
// value (the varint, the fixed64, or the bytes of a length-delimited field).
struct ProtoField {
  uint32_t number;
  uint32_t wireType;
  uint64_t integer = 0;
  std::string bytes;
};

std::vector<ProtoField> readFields(const std::string& message) {
  std::vector<ProtoField> fields;
  size_t at = 0;
  auto varint = [&] {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      REQUIRE(at < message.size());
      const auto byte = static_cast<uint8_t>(message[at++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
  };
  while (at < message.size()) {
    const uint64_t key = varint();
    ProtoField f{static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7), 0, {}};
    if (f.wireType == 0) {
      f.integer = varint();
    } else if (f.wireType == 1) {
      REQUIRE(at + 8 <= message.size());
      for (int i = 0; i < 8; ++i) f.integer |= static_cast<uint64_t>(static_cast<uint8_t>(message[at + i])) << (8 * i);
      at += 8;
    } else {
      REQUIRE(f.wireType == 2);
      const uint64_t size = varint();
      REQUIRE(at + size <= message.size());
      f.bytes = message.substr(at, size);
      at += size;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

std::vector<ProtoField> only(const std::vector<ProtoField>& fields, uint32_t number) {
  std::vector<ProtoField> out;
  for (const auto& f : fields)
    if (f.number == number) out.push_back(f);
  return out;
}

}  // namespace

TEST_CASE("OTLP/protobuf: the ExportTraceServiceRequest fields, byte ids, fixed64 times, typed attributes, status") {
  trace::Span span;
  span.traceId.fill(0xab);
  span.spanId.fill(0x01);
  span.parentId.fill(0x02);
  span.name = "tools/call echo";
  span.kind = trace::SpanKind::Client;
  span.startNs = 1700000000000000001ull;
  span.endNs = 1700000000000000099ull;
  span.attributes = {{"mcp.method.name", std::string("tools/call")}, {"http.response.status_code", int64_t{503}}, {"moat.flag", true}};
  span.status = trace::SpanStatus::Error;
  span.statusMessage = "boom";
  const auto request = readFields(trace::otlpProtobuf({span, span}, {"moat-test", "1.2.3", "host:1"}));
  REQUIRE(request.size() == 1);
  CHECK(request[0].number == 1);  // resource_spans
  const auto resourceSpans = readFields(request[0].bytes);
  const auto resourceAttributes = only(readFields(only(resourceSpans, 1).at(0).bytes), 1);
  REQUIRE(resourceAttributes.size() == 3);
  const auto serviceName = readFields(resourceAttributes[0].bytes);
  CHECK(only(serviceName, 1).at(0).bytes == "service.name");
  CHECK(only(readFields(only(serviceName, 2).at(0).bytes), 1).at(0).bytes == "moat-test");
  const auto scopeSpans = readFields(only(resourceSpans, 2).at(0).bytes);
  CHECK(only(readFields(only(scopeSpans, 1).at(0).bytes), 1).at(0).bytes == "moat");
  const auto spans = only(scopeSpans, 2);
  REQUIRE(spans.size() == 2);
  const auto out = readFields(spans[0].bytes);
  CHECK(only(out, 1).at(0).bytes == std::string(16, '\xab'));
  CHECK(only(out, 2).at(0).bytes == std::string(8, '\x01'));
  CHECK(only(out, 4).at(0).bytes == std::string(8, '\x02'));
  CHECK(only(out, 5).at(0).bytes == "tools/call echo");
  CHECK(only(out, 6).at(0).integer == 3);
  CHECK(only(out, 7).at(0).wireType == 1);
  CHECK(only(out, 7).at(0).integer == 1700000000000000001ull);
  CHECK(only(out, 8).at(0).integer == 1700000000000000099ull);
  const auto attributes = only(out, 9);
  REQUIRE(attributes.size() == 3);
  CHECK(only(readFields(only(readFields(attributes[1].bytes), 2).at(0).bytes), 3).at(0).integer == 503);
  CHECK(only(readFields(only(readFields(attributes[2].bytes), 2).at(0).bytes), 2).at(0).integer == 1);
  const auto status = readFields(only(out, 15).at(0).bytes);
  CHECK(only(status, 2).at(0).bytes == "boom");
  CHECK(only(status, 3).at(0).integer == 2);
}

TEST_CASE("OTLP/protobuf: a root span has no parent_span_id, an unset status is an empty message") {
  trace::Span span;
  span.traceId.fill(0x11);
  span.spanId.fill(0x22);
  span.name = "initialize";
  const auto out = readFields(only(readFields(only(readFields(readFields(trace::otlpProtobuf({span}, {"m", "", "h"})).at(0).bytes), 2).at(0).bytes), 2).at(0).bytes);
  CHECK(only(out, 4).empty());
  CHECK(only(out, 15).at(0).bytes.empty());
}
