// One finished span, in the shape OTLP carries: ids, name, kind, times, attributes, status.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace moat::trace {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

enum class SpanKind { Internal = 1, Server = 2, Client = 3 };
enum class SpanStatus { Unset = 0, Ok = 1, Error = 2 };

using AttributeValue = std::variant<std::string, int64_t, bool>;

struct Span {
  TraceId traceId{};
  SpanId spanId{};
  SpanId parentId{};  // all zero: a root
  std::string name;
  SpanKind kind = SpanKind::Internal;
  uint64_t startNs = 0;  // Unix time
  uint64_t endNs = 0;
  std::vector<std::pair<std::string, AttributeValue>> attributes;
  SpanStatus status = SpanStatus::Unset;
  std::string statusMessage;
};

std::string hex(const uint8_t* bytes, size_t size);
uint64_t nowUnixNs();

}  // namespace moat::trace
