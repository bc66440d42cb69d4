// The two encodings of an OTLP/HTTP trace export (an ExportTraceServiceRequest). Binary
// protobuf is the protocol's default: several times cheaper for the collector to decode than
// JSON, which matters on a machine the collector shares with the gateway. JSON is there for
// collectors and proxies that only take it, and for reading by eye.
#pragma once

#include <string>
#include <vector>

#include "trace/Span.h"

namespace moat::trace {

struct Resource {
  std::string serviceName;
  std::string serviceVersion;  // empty: not sent
  std::string instanceId;
};

std::string otlpProtobuf(const std::vector<Span>& spans, const Resource& resource);  // application/x-protobuf
std::string otlpJson(const std::vector<Span>& spans, const Resource& resource);      // application/json

}  // namespace moat::trace
