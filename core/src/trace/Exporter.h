// Sends finished spans to an OpenTelemetry collector over OTLP/HTTP (protobuf or JSON), from one
// background thread, in batches. The queue between requests and that thread is bounded: when a
// collector is slow or gone, spans past the bound are dropped and counted, never waited for,
// so tracing cannot slow a request down or grow the gateway's memory.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "trace/Span.h"

namespace moat::trace {

enum class Protocol { HttpProtobuf, HttpJson };

struct Settings {
  std::string endpoint;  // http(s)://host:port/v1/traces; empty: tracing off
  std::string serviceName = "moat";
  std::string serviceVersion;
  Protocol protocol = Protocol::HttpProtobuf;
  double sampleRatio = 1.0;       // for requests that bring no sampled parent
  bool acceptTraceparent = true;  // continue the client's trace
  size_t queueSize = 4096;        // spans waiting to be sent
  size_t batchSize = 512;
  int exportIntervalMs = 1000;
  int timeoutMs = 3000;
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every export (auth)
  bool operator==(const Settings&) const = default;
};

class Exporter {
 public:
  // Starts the export thread (or does nothing when the endpoint is empty).
  static void start(const Settings& settings);
  // Sends what is queued (waiting at most the export timeout) and stops the thread.
  static void stop();
  static bool enabled();
  static const Settings& settings();
  // Whether a request without a sampled parent is traced, by sample_ratio.
  static bool sampleNew();
  static void submit(std::vector<Span>&& spans);
};

}  // namespace moat::trace
