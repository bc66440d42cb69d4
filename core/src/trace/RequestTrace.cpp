#include "trace/RequestTrace.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "trace/Exporter.h"

namespace moat::trace {
namespace {

thread_local RequestTrace* gCurrent = nullptr;

// Ids need to be unique, not secret: a per-thread generator seeded once from the system.
uint64_t randomWord() {
  thread_local std::mt19937_64 bits{(static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  return bits();
}

template <size_t N>
void fillRandom(std::array<uint8_t, N>& id) {
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t word = randomWord();
      for (size_t j = 0; j < 8 && i + j < N; ++j) id[i + j] = static_cast<uint8_t>(word >> (8 * j));
    }
  } while (std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; }));  // all-zero ids are invalid
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C: lower-case only
}

template <size_t N>
bool parseHex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  bool zero = true;
  for (size_t i = 0; i < N; ++i) {
    int high = hexDigit(text[2 * i]), low = hexDigit(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
    zero = zero && out[i] == 0;
  }
  return !zero;
}

}  // namespace

std::string hex(const uint8_t* bytes, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xF];
  }
  return out;
}

uint64_t nowUnixNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::optional<Parent> parseTraceparent(std::string_view header) {
  // version "00": exactly 55 characters; a later version may append fields after the flags.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  if (header.substr(0, 2) == "ff" || hexDigit(header[0]) < 0 || hexDigit(header[1]) < 0) return std::nullopt;
  if (header.substr(0, 2) == "00" && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  Parent parent;
  std::array<uint8_t, 1> flags{};
  if (!parseHex(header.substr(3, 32), parent.traceId) || !parseHex(header.substr(36, 16), parent.spanId)) return std::nullopt;
  int high = hexDigit(header[53]), low = hexDigit(header[54]);
  if (high < 0 || low < 0) return std::nullopt;
  flags[0] = static_cast<uint8_t>(high << 4 | low);
  parent.sampled = (flags[0] & 1) != 0;
  return parent;
}

RequestTrace::RequestTrace(std::string name, const std::optional<Parent>& parent) {
  server_.name = std::move(name);
  server_.kind = SpanKind::Server;
  server_.startNs = nowUnixNs();
  if (parent) {
    server_.traceId = parent->traceId;
    server_.parentId = parent->spanId;
  } else {
    fillRandom(server_.traceId);
  }
  fillRandom(server_.spanId);
}

RequestTrace::~RequestTrace() {
  server_.endNs = nowUnixNs();
  children_.push_back(std::move(server_));
  Exporter::submit(std::move(children_));
}

SpanId RequestTrace::newSpanId() {
  SpanId id;
  fillRandom(id);
  return id;
}

std::string RequestTrace::traceparentFor(const SpanId& span) const {
  return "00-" + hex(server_.traceId.data(), 16) + "-" + hex(span.data(), 8) + "-01";
}

RequestTrace* current() { return gCurrent; }

Activation::Activation(RequestTrace* trace) : previous_(gCurrent) { gCurrent = trace; }
Activation::~Activation() { gCurrent = previous_; }

ChildSpan::ChildSpan(std::string_view name, SpanKind kind) : trace_(gCurrent) {
  if (!trace_) return;
  span_.traceId = trace_->server().traceId;
  span_.parentId = trace_->server().spanId;
  span_.spanId = trace_->newSpanId();
  span_.name = std::string(name);
  span_.kind = kind;
  span_.startNs = nowUnixNs();
}

ChildSpan::~ChildSpan() {
  if (!trace_) return;
  span_.endNs = nowUnixNs();
  trace_->add(std::move(span_));
}

void ChildSpan::set(std::string key, AttributeValue value) {
  if (trace_) span_.attributes.emplace_back(std::move(key), std::move(value));
}

void ChildSpan::fail(std::string message) {
  if (!trace_) return;
  span_.status = SpanStatus::Error;
  span_.statusMessage = std::move(message);
}

std::string ChildSpan::traceparent() const { return trace_ ? trace_->traceparentFor(span_.spanId) : std::string(); }

}  // namespace moat::trace
