#include "server/AnswerRewriter.h"

#include <strings.h>

namespace moat::gateway {
namespace {

// The end of the first event in `text` (just past its blank line), or npos while it is unfinished.
size_t eventEnd(std::string_view text) {
  for (size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1)) {
    size_t next = at + 1;
    if (next < text.size() && text[next] == '\r') ++next;
    if (next < text.size() && text[next] == '\n') return next + 1;
  }
  return std::string_view::npos;
}

// One event with its data lines joined into a message, rewritten, and written back as one
// data line (a JSON message has no raw line breaks to split on). Other fields stay as they were.
std::string rewriteEvent(std::string_view event, const MessageRewrite& rewrite) {
  std::string message;
  std::string others;
  bool sawData = false;
  size_t start = 0;
  while (start < event.size()) {
    size_t end = event.find('\n', start);
    if (end == std::string_view::npos) end = event.size();
    std::string_view line = event.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("data:", 0) == 0) {
      std::string_view value = line.substr(5);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (sawData) message += '\n';
      message.append(value);
      sawData = true;
    } else if (!line.empty()) {
      others.append(line).append("\n");
    }
    start = end + 1;
  }
  if (!sawData || !rewrite(message)) return std::string(event);
  return others + "data: " + message + "\n\n";
}

}  // namespace

AnswerFormat answerFormat(std::string_view contentType) {
  auto startsWith = [&](std::string_view type) {
    return contentType.size() >= type.size() && ::strncasecmp(contentType.data(), type.data(), type.size()) == 0;
  };
  if (startsWith("application/json")) return AnswerFormat::Json;
  if (startsWith("text/event-stream")) return AnswerFormat::EventStream;
  return AnswerFormat::Other;
}

std::string rewriteAnswer(const std::string& body, AnswerFormat format, const MessageRewrite& rewrite) {
  if (format == AnswerFormat::Json) {
    std::string message = body;
    rewrite(message);
    return message;
  }
  if (format != AnswerFormat::EventStream) return body;
  std::string out;
  std::string_view rest = body;
  for (size_t end = eventEnd(rest); end != std::string_view::npos; end = eventEnd(rest)) {
    out += rewriteEvent(rest.substr(0, end), rewrite);
    rest.remove_prefix(end);
  }
  out.append(rest);
  return out;
}

AnswerRewriter::AnswerRewriter(std::ostream& sink, AnswerFormat format, MessageRewrite rewrite, size_t limit, std::string tooLarge)
    : sink_(sink), format_(format), rewrite_(std::move(rewrite)), limit_(limit), tooLarge_(std::move(tooLarge)) {}

void AnswerRewriter::take(std::string_view bytes) {
  if (overLimit_) return;
  held_.append(bytes);
  if (held_.size() > limit_) {
    // Past the limit nothing can be judged any more; what is held is dropped, not sent unfiltered.
    overLimit_ = true;
    held_.clear();
    held_.shrink_to_fit();
  }
}

AnswerRewriter::int_type AnswerRewriter::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  const char byte = traits_type::to_char_type(c);
  take(std::string_view(&byte, 1));
  return c;
}

std::streamsize AnswerRewriter::xsputn(const char* data, std::streamsize n) {
  take(std::string_view(data, static_cast<size_t>(n)));
  return n;
}

void AnswerRewriter::passCompleteEvents() {
  std::string_view rest = held_;
  size_t used = 0;
  for (size_t end = eventEnd(rest); end != std::string_view::npos; end = eventEnd(rest)) {
    sink_ << rewriteEvent(rest.substr(0, end), rewrite_);
    rest.remove_prefix(end);
    used += end;
  }
  held_.erase(0, used);
}

int AnswerRewriter::sync() {
  if (format_ == AnswerFormat::EventStream && !overLimit_) {
    passCompleteEvents();
    sink_.flush();
  }
  return sink_ ? 0 : -1;
}

void AnswerRewriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (overLimit_) {
    sink_ << (format_ == AnswerFormat::EventStream ? "event: message\ndata: " + tooLarge_ + "\n\n" : tooLarge_);
  } else if (format_ == AnswerFormat::EventStream) {
    passCompleteEvents();
    sink_ << held_;
  } else {
    rewrite_(held_);
    sink_ << held_;
  }
  held_.clear();
  sink_.flush();
}

}  // namespace moat::gateway
