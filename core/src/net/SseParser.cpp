#include "net/SseParser.h"

namespace moat::gateway {

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  for (char c : bytes) {
    if (pendingCr_) {
      pendingCr_ = false;
      if (c == '\n') continue;  // the LF of a CRLF already ended the line
    }
    if (c == '\r' || c == '\n') {
      pendingCr_ = (c == '\r');
      processLine(line_, out);
      line_.clear();
    } else {
      line_ += c;
    }
  }
  return out;
}

void SseParser::processLine(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    if (hasData_) {
      if (!current_.data.empty() && current_.data.back() == '\n') current_.data.pop_back();
      out.push_back(std::move(current_));
    }
    std::string lastId = current_.id;
    current_ = SseEvent{};
    current_.id = lastId;
    hasData_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment
  auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    current_.data.append(value);
    current_.data += '\n';
    hasData_ = true;
  } else if (field == "event") {
    current_.event = value.empty() ? "message" : std::string(value);
  } else if (field == "id") {
    current_.id = std::string(value);
  }
}

std::string formatSseEvent(std::string_view event, std::string_view data, std::string_view id) {
  std::string out;
  if (!event.empty() && event != "message") out += "event: " + std::string(event) + "\n";
  if (!id.empty()) out += "id: " + std::string(id) + "\n";
  size_t start = 0;
  while (true) {
    size_t end = data.find('\n', start);
    out += "data: ";
    out.append(data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out += '\n';
  return out;
}

}  // namespace moat::gateway
