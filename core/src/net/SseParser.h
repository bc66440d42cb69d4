// Incremental parser for text/event-stream (the WHATWG server-sent events format): bytes go in
// as they arrive, complete events come out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moat::gateway {

struct SseEvent {
  std::string event = "message";
  std::string data;
  std::string id;
};

class SseParser {
 public:
  // Bytes may split anywhere, even inside a line or a CRLF pair.
  std::vector<SseEvent> feed(std::string_view bytes);

 private:
  void processLine(std::string_view line, std::vector<SseEvent>& out);
  std::string line_;
  SseEvent current_;
  bool hasData_ = false;
  bool pendingCr_ = false;
};

// One event in wire form: "event: <type>\nid: <id>\ndata: <line>\n...\n\n".
std::string formatSseEvent(std::string_view event, std::string_view data, std::string_view id = {});

}  // namespace moat::gateway
