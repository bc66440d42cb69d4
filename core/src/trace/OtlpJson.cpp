#include "trace/Otlp.h"

#include "moat/json.hpp"

namespace moat::trace {
namespace {

void appendAttribute(std::string& out, const std::string& key, const AttributeValue& value) {
  out += "{\"key\":" + json::quote(key) + ",\"value\":{";
  if (const auto* text = std::get_if<std::string>(&value)) out += "\"stringValue\":" + json::quote(*text);
  else if (const auto* number = std::get_if<int64_t>(&value)) out += "\"intValue\":\"" + std::to_string(*number) + "\"";
  else out += std::string("\"boolValue\":") + (std::get<bool>(value) ? "true" : "false");
  out += "}}";
}

void appendSpan(std::string& out, const Span& span) {
  static const SpanId none{};
  out += "{\"traceId\":\"" + hex(span.traceId.data(), 16) + "\",\"spanId\":\"" + hex(span.spanId.data(), 8) + "\"";
  if (span.parentId != none) out += ",\"parentSpanId\":\"" + hex(span.parentId.data(), 8) + "\"";
  out += ",\"name\":" + json::quote(span.name) + ",\"kind\":" + std::to_string(static_cast<int>(span.kind)) +
         ",\"startTimeUnixNano\":\"" + std::to_string(span.startNs) + "\",\"endTimeUnixNano\":\"" + std::to_string(span.endNs) +
         "\",\"attributes\":[";
  for (size_t i = 0; i < span.attributes.size(); ++i) {
    if (i) out += ',';
    appendAttribute(out, span.attributes[i].first, span.attributes[i].second);
  }
  out += "],\"status\":{";
  if (span.status != SpanStatus::Unset) {
    out += "\"code\":" + std::to_string(static_cast<int>(span.status));
    if (!span.statusMessage.empty()) out += ",\"message\":" + json::quote(span.statusMessage);
  }
  out += "}}";
}

}  // namespace

std::string otlpJson(const std::vector<Span>& spans, const Resource& resource) {
  std::string out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  appendAttribute(out, "service.name", resource.serviceName);
  if (!resource.serviceVersion.empty()) {
    out += ',';
    appendAttribute(out, "service.version", resource.serviceVersion);
  }
  out += ',';
  appendAttribute(out, "service.instance.id", resource.instanceId);
  out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\"moat\"},\"spans\":[";
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i) out += ',';
    appendSpan(out, spans[i]);
  }
  return out + "]}]}]}";
}

}  // namespace moat::trace
