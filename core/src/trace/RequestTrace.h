// The spans of one request: a server span for the request and child spans for what it waited
// on (pipeline stages, the upstream call, a runtime starting a server). The request's trace is
// made current on the thread serving it (Activation), so code deep in the pipeline or an
// upstream opens a child span without the request being passed down to it; with tracing off
// or the trace not sampled, nothing is current and a child span costs one branch.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "trace/Span.h"

namespace moat::trace {

// A W3C traceparent header ("00-<32 hex>-<16 hex>-<2 hex>"), parsed; nullopt when malformed.
struct Parent {
  TraceId traceId{};
  SpanId spanId{};
  bool sampled = false;
};
std::optional<Parent> parseTraceparent(std::string_view header);

class RequestTrace {
 public:
  // A new trace, or a child of the client's when `parent` is given.
  RequestTrace(std::string name, const std::optional<Parent>& parent);
  ~RequestTrace();  // ends the server span and hands every span to the exporter
  RequestTrace(const RequestTrace&) = delete;
  RequestTrace& operator=(const RequestTrace&) = delete;

  Span& server() { return server_; }
  // The traceparent naming `span` as the parent, for a request sent on behalf of this one.
  std::string traceparentFor(const SpanId& span) const;

  void add(Span span) { children_.push_back(std::move(span)); }
  SpanId newSpanId();

 private:
  Span server_;
  std::vector<Span> children_;
};

// The trace of the request this thread is serving, or nullptr.
RequestTrace* current();

// Makes a request's trace current on this thread for the Activation's life.
class Activation {
 public:
  explicit Activation(RequestTrace* trace);
  ~Activation();

 private:
  RequestTrace* previous_;
};

// A child span of the current request, ended when it goes out of scope; inert without one.
class ChildSpan {
 public:
  ChildSpan(std::string_view name, SpanKind kind);
  ~ChildSpan();
  ChildSpan(const ChildSpan&) = delete;
  ChildSpan& operator=(const ChildSpan&) = delete;

  bool active() const { return trace_ != nullptr; }
  void set(std::string key, AttributeValue value);
  void fail(std::string message);
  // The traceparent of a request sent on behalf of this span ("" when inactive).
  std::string traceparent() const;

 private:
  RequestTrace* trace_;
  Span span_;
};

}  // namespace moat::trace
