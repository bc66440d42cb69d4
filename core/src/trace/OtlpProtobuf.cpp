#include "trace/Otlp.h"

#include <cstdint>
#include <string_view>

namespace moat::trace {
namespace {

// Field numbers from opentelemetry/proto (trace/v1, common/v1, resource/v1, collector/trace/v1).
namespace field {
constexpr uint32_t kRequestResourceSpans = 1;
constexpr uint32_t kResourceSpansResource = 1, kResourceSpansScopeSpans = 2;
constexpr uint32_t kResourceAttributes = 1;
constexpr uint32_t kScopeSpansScope = 1, kScopeSpansSpans = 2;
constexpr uint32_t kScopeName = 1;
constexpr uint32_t kSpanTraceId = 1, kSpanSpanId = 2, kSpanParentSpanId = 4, kSpanName = 5, kSpanKind = 6, kSpanStart = 7, kSpanEnd = 8,
                   kSpanAttributes = 9, kSpanStatus = 15;
constexpr uint32_t kStatusMessage = 2, kStatusCode = 3;
constexpr uint32_t kKeyValueKey = 1, kKeyValueValue = 2;
constexpr uint32_t kAnyString = 1, kAnyBool = 2, kAnyInt = 3;
}  // namespace field

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLength = 2 };

void varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void tag(std::string& out, uint32_t number, WireType type) { varint(out, (static_cast<uint64_t>(number) << 3) | type); }

void bytesField(std::string& out, uint32_t number, std::string_view bytes) {
  tag(out, number, kLength);
  varint(out, bytes.size());
  out.append(bytes);
}

void varintField(std::string& out, uint32_t number, uint64_t value) {
  tag(out, number, kVarint);
  varint(out, value);
}

void fixed64Field(std::string& out, uint32_t number, uint64_t value) {
  tag(out, number, kFixed64);
  for (int i = 0; i < 8; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

// A nested message: its bytes are built apart, then written with their length in front.
template <typename Build>
void messageField(std::string& out, uint32_t number, Build&& build) {
  std::string body;
  build(body);
  bytesField(out, number, body);
}

void attribute(std::string& out, uint32_t number, std::string_view key, const AttributeValue& value) {
  messageField(out, number, [&](std::string& keyValue) {
    bytesField(keyValue, field::kKeyValueKey, key);
    messageField(keyValue, field::kKeyValueValue, [&](std::string& any) {
      if (const auto* text = std::get_if<std::string>(&value)) bytesField(any, field::kAnyString, *text);
      else if (const auto* number = std::get_if<int64_t>(&value)) varintField(any, field::kAnyInt, static_cast<uint64_t>(*number));
      else varintField(any, field::kAnyBool, std::get<bool>(value) ? 1 : 0);
    });
  });
}

std::string_view view(const uint8_t* bytes, size_t size) { return {reinterpret_cast<const char*>(bytes), size}; }

void span(std::string& out, const Span& s) {
  static const SpanId none{};
  bytesField(out, field::kSpanTraceId, view(s.traceId.data(), s.traceId.size()));
  bytesField(out, field::kSpanSpanId, view(s.spanId.data(), s.spanId.size()));
  if (s.parentId != none) bytesField(out, field::kSpanParentSpanId, view(s.parentId.data(), s.parentId.size()));
  bytesField(out, field::kSpanName, s.name);
  varintField(out, field::kSpanKind, static_cast<uint64_t>(s.kind));
  fixed64Field(out, field::kSpanStart, s.startNs);
  fixed64Field(out, field::kSpanEnd, s.endNs);
  for (const auto& [key, value] : s.attributes) attribute(out, field::kSpanAttributes, key, value);
  messageField(out, field::kSpanStatus, [&](std::string& status) {
    if (s.status == SpanStatus::Unset) return;
    if (!s.statusMessage.empty()) bytesField(status, field::kStatusMessage, s.statusMessage);
    varintField(status, field::kStatusCode, static_cast<uint64_t>(s.status));
  });
}

}  // namespace

std::string otlpProtobuf(const std::vector<Span>& spans, const Resource& resource) {
  std::string resourceSpans;
  messageField(resourceSpans, field::kResourceSpansResource, [&](std::string& r) {
    attribute(r, field::kResourceAttributes, "service.name", resource.serviceName);
    if (!resource.serviceVersion.empty()) attribute(r, field::kResourceAttributes, "service.version", resource.serviceVersion);
    attribute(r, field::kResourceAttributes, "service.instance.id", resource.instanceId);
  });
  messageField(resourceSpans, field::kResourceSpansScopeSpans, [&](std::string& scopeSpans) {
    messageField(scopeSpans, field::kScopeSpansScope, [](std::string& scope) { bytesField(scope, field::kScopeName, "moat"); });
    std::string one;
    for (const auto& s : spans) {
      one.clear();
      span(one, s);
      bytesField(scopeSpans, field::kScopeSpansSpans, one);
    }
  });
  std::string request;
  bytesField(request, field::kRequestResourceSpans, resourceSpans);
  return request;
}

}  // namespace moat::trace
