// Splits the Docker Engine API's multiplexed stream (attach and logs of a container without a
// TTY) into stdout and stderr. Each frame is an 8-byte header, [stream, 0, 0, 0, size as
// big-endian uint32], then `size` bytes of payload. Frames may arrive split at any byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace moat::container {

enum class StreamKind : uint8_t { Stdin = 0, Stdout = 1, Stderr = 2 };

class StreamDemux {
 public:
  using Sink = std::function<void(StreamKind, const char* data, size_t size)>;
  explicit StreamDemux(Sink sink) : sink_(std::move(sink)) {}

  // Throws std::runtime_error on a header no engine sends (unknown stream, non-zero padding).
  void feed(const char* data, size_t size);
  // Whether the input so far ended on a frame boundary.
  bool atFrameBoundary() const { return headerHave_ == 0 && payloadLeft_ == 0; }

 private:
  Sink sink_;
  unsigned char header_[8] = {};
  size_t headerHave_ = 0;
  uint32_t payloadLeft_ = 0;
  StreamKind current_ = StreamKind::Stdout;
};

}  // namespace moat::container
