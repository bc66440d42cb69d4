// The Docker/Podman attach stream (8-byte frame headers, then payload) as the container
// runtimes demultiplex it: split anywhere, it gives the same stdout and stderr bytes, and a
// header no engine sends stops the stream instead of being read as data.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "FuzzCheck.h"
#include "container/StreamDemux.h"

namespace {

struct Collected {
  std::string out, err;
  bool failed = false;
};

Collected demux(const char* data, size_t size, size_t step) {
  Collected collected;
  moat::container::StreamDemux demux([&](moat::container::StreamKind kind, const char* bytes, size_t n) {
    (kind == moat::container::StreamKind::Stderr ? collected.err : collected.out).append(bytes, n);
  });
  try {
    for (size_t at = 0; at < size; at += step) demux.feed(data + at, std::min(step, size - at));
  } catch (const std::runtime_error&) {
    collected.failed = true;
  }
  return collected;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 13;
  const char* bytes = reinterpret_cast<const char*>(data) + 1;
  Collected whole = demux(bytes, size - 1, size);
  Collected pieces = demux(bytes, size - 1, step);
  FUZZ_CHECK(whole.failed == pieces.failed, "splitting does not change whether the stream is refused");
  if (!whole.failed) {
    FUZZ_CHECK(whole.out == pieces.out && whole.err == pieces.err, "splitting does not change the bytes");
    FUZZ_CHECK(whole.out.size() + whole.err.size() <= size - 1, "no byte is invented");
  }
  return 0;
}
