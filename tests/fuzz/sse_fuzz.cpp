// text/event-stream framing as the gateway reads upstream streams: the same bytes fed whole and
// split at every point the input's first byte picks must give the same events.
#include <cstdint>
#include <string_view>

#include "FuzzCheck.h"
#include "net/SseParser.h"

namespace {

bool same(const std::vector<moat::gateway::SseEvent>& a, const std::vector<moat::gateway::SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 7;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  moat::gateway::SseParser whole;
  auto expected = whole.feed(bytes);
  moat::gateway::SseParser pieces;
  std::vector<moat::gateway::SseEvent> got;
  for (size_t at = 0; at < bytes.size(); at += step) {
    auto events = pieces.feed(bytes.substr(at, step));
    got.insert(got.end(), events.begin(), events.end());
  }
  FUZZ_CHECK(same(expected, got), "splitting the stream does not change its events");
  // What the gateway writes for an event reads back as that event.
  for (const auto& event : expected) {
    if (event.data.find('\r') != std::string::npos) continue;  // a lone CR is a line end in SSE
    moat::gateway::SseParser reader;
    auto back = reader.feed(moat::gateway::formatSseEvent(event.event, event.data, event.id));
    FUZZ_CHECK(back.size() == 1 && back[0].data == event.data, "formatSseEvent round-trips");
  }
  return 0;
}
