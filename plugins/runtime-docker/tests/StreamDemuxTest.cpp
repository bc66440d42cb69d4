#include <catch2/catch.hpp>

#include <string>

#include "container/StreamDemux.h"

using moat::container::StreamDemux;
using moat::container::StreamKind;

namespace {

std::string frame(uint8_t stream, const std::string& payload) {
  std::string out{static_cast<char>(stream), 0, 0, 0};
  uint32_t size = static_cast<uint32_t>(payload.size());
  for (int shift : {24, 16, 8, 0}) out += static_cast<char>((size >> shift) & 0xff);
  return out + payload;
}

}  // namespace

TEST_CASE("frames split at every byte come out whole and in order") {
  std::string input = frame(1, "{\"jsonrpc\":\"2.0\"}\n") + frame(2, "warning: x\n") + frame(1, "") + frame(1, std::string(70000, 'a'));
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{8}, size_t{4096}, input.size()}) {
    std::string out, err;
    StreamDemux demux([&](StreamKind kind, const char* data, size_t size) { (kind == StreamKind::Stderr ? err : out).append(data, size); });
    for (size_t at = 0; at < input.size(); at += chunk) demux.feed(input.data() + at, std::min(chunk, input.size() - at));
    CHECK(out == "{\"jsonrpc\":\"2.0\"}\n" + std::string(70000, 'a'));
    CHECK(err == "warning: x\n");
    CHECK(demux.atFrameBoundary());
  }
}

TEST_CASE("a raw stream is refused instead of misread") {
  StreamDemux demux([](StreamKind, const char*, size_t) {});
  std::string raw = "{\"jsonrpc\":\"2.0\"}";
  CHECK_THROWS_WITH(demux.feed(raw.data(), raw.size()), Catch::Contains("not in the multiplexed format"));
}
