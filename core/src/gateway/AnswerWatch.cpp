#include "gateway/AnswerWatch.h"

namespace moat::gateway {
namespace {

// Longer than any key, colon and value this looks for, with some white space between them.
constexpr size_t kTail = 40;

size_t skipSpace(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n')) ++at;
  return at;
}

// `"key"` followed by a colon and then `value`, anywhere in `text`.
bool hasMember(std::string_view text, std::string_view key, std::string_view value) {
  for (size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
    size_t next = skipSpace(text, at + key.size());
    if (next >= text.size() || text[next] != ':') continue;
    next = skipSpace(text, next + 1);
    if (text.substr(next, value.size()) == value) return true;
  }
  return false;
}

bool carriesError(std::string_view text) {
  return hasMember(text, "\"isError\"", "true") || hasMember(text, "\"error\"", "{");
}

}  // namespace

void AnswerWatch::see(std::string_view bytes) {
  bytes_ += bytes.size();
  if (sawError_) return;
  // A key split across two writes: look again where the last write's tail meets this one.
  if (!tail_.empty()) {
    std::string seam = tail_;
    seam.append(bytes.substr(0, kTail));
    if (carriesError(seam)) {
      sawError_ = true;
      return;
    }
  }
  if (carriesError(bytes)) {
    sawError_ = true;
    return;
  }
  tail_.append(bytes.size() > kTail ? bytes.substr(bytes.size() - kTail) : bytes);
  if (tail_.size() > kTail) tail_.erase(0, tail_.size() - kTail);
}

}  // namespace moat::gateway
