// JSONC edited as text: a scanner records where each member of the top-level object and of the
// servers object begins and ends, and edits splice text at those offsets, so comments and
// formatting elsewhere are never rewritten.
#include <string_view>

#include "clients/FieldText.h"
#include "clients/ServerTable.h"
#include "moat/json.hpp"

namespace moat::clients {
namespace {

constexpr size_t kNone = std::string::npos;

struct Member {
  std::string key;
  size_t keyBegin = 0;
  size_t valueBegin = 0, valueEnd = 0;
  size_t comma = kNone;  // the comma after the value, when there is one
};

struct ObjectSpan {
  size_t open = 0, close = 0;  // offsets of '{' and '}'
  std::vector<Member> members;
};

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  // The document's top-level object; an empty document has none (open == kNone).
  ObjectSpan document() {
    skip();
    if (pos_ == text_.size()) return ObjectSpan{kNone, kNone, {}};
    if (text_[pos_] != '{') fail("the file must hold one JSON object");
    ObjectSpan top = object(0);
    skip();
    if (pos_ != text_.size()) fail("unexpected text after the top-level object");
    return top;
  }

  // The object that starts at `offset` (a member value of the document).
  ObjectSpan objectAt(size_t offset) {
    pos_ = offset;
    return object(1);
  }

 private:
  static constexpr int kMaxDepth = 128;

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigSyntaxError(positionText(std::string(text_), pos_) + ": " + what);
  }

  void skip() {
    for (;;) {
      while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
      if (text_.substr(pos_, 2) == "//") {
        pos_ = text_.find('\n', pos_);
        if (pos_ == kNone) pos_ = text_.size();
      } else if (text_.substr(pos_, 2) == "/*") {
        size_t end = text_.find("*/", pos_ + 2);
        if (end == kNone) fail("a /* comment is never closed");
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  std::string string() {
    size_t begin = pos_++;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\n') fail("a string runs past the end of its line");
      pos_ += text_[pos_] == '\\' ? 2 : 1;
    }
    if (pos_ >= text_.size()) fail("a string is never closed");
    ++pos_;
    try {
      return json::parse(text_.substr(begin, pos_ - begin)).asString();
    } catch (const std::runtime_error&) {
      pos_ = begin;
      fail("a string has an invalid escape");
    }
  }

  void value(int depth) {
    if (depth > kMaxDepth) fail("nesting is too deep");
    skip();
    if (pos_ >= text_.size()) fail("a value is missing");
    char c = text_[pos_];
    if (c == '{') {
      object(depth + 1);
    } else if (c == '[') {
      ++pos_;
      skip();
      while (pos_ < text_.size() && text_[pos_] != ']') {
        value(depth + 1);
        skip();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          skip();
        } else if (pos_ < text_.size() && text_[pos_] != ']') {
          fail("expected ',' or ']'");
        }
      }
      if (pos_ >= text_.size()) fail("an array is never closed");
      ++pos_;
    } else if (c == '"') {
      string();
    } else {
      size_t begin = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '-' || text_[pos_] == '+' || text_[pos_] == '.')) ++pos_;
      std::string_view word = text_.substr(begin, pos_ - begin);
      bool number = !word.empty() && (word[0] == '-' || std::isdigit(static_cast<unsigned char>(word[0])));
      if (word != "true" && word != "false" && word != "null" && !number) {
        pos_ = begin;
        fail("expected a value");
      }
    }
  }

  ObjectSpan object(int depth) {
    ObjectSpan span;
    span.open = pos_++;
    skip();
    while (pos_ < text_.size() && text_[pos_] != '}') {
      if (text_[pos_] != '"') fail("expected a member name in double quotes");
      Member member;
      member.keyBegin = pos_;
      member.key = string();
      skip();
      if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':' after the member name");
      ++pos_;
      skip();
      member.valueBegin = pos_;
      value(depth);
      member.valueEnd = pos_;
      skip();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        member.comma = pos_++;
        skip();
      } else if (pos_ < text_.size() && text_[pos_] != '}') {
        fail("expected ',' or '}'");
      }
      span.members.push_back(std::move(member));
    }
    if (pos_ >= text_.size()) fail("an object is never closed");
    span.close = pos_++;
    return span;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// The spaces before `offset` when only spaces precede it on its line.
std::string indentBefore(const std::string& text, size_t offset) {
  size_t lineStart = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  lineStart = lineStart == kNone || offset == 0 ? 0 : lineStart + 1;
  std::string indent = text.substr(lineStart, offset - lineStart);
  return indent.find_first_not_of(" \t") == kNone ? indent : std::string();
}

// Where the blank run before `offset` starts, not earlier than `floor`.
size_t blankRunStart(const std::string& text, size_t offset, size_t floor) {
  while (offset > floor && (text[offset - 1] == ' ' || text[offset - 1] == '\t' || text[offset - 1] == '\n' || text[offset - 1] == '\r')) --offset;
  return offset;
}

class JsoncServerTable : public ServerTable {
 public:
  JsoncServerTable(std::string text, std::string container) : text_(std::move(text)), container_(std::move(container)) {
    top_ = Scanner(text_).document();
    for (const auto& member : top_.members) {
      if (member.key != container_) continue;
      if (text_[member.valueBegin] != '{') throw ConfigSyntaxError(positionText(text_, member.valueBegin) + ": \"" + container_ + "\" must be an object");
      servers_ = Scanner(text_).objectAt(member.valueBegin);
      hasServers_ = true;
    }
    unit_ = top_.members.empty() ? "  " : indentBefore(text_, top_.members.front().keyBegin);
    if (unit_.empty()) unit_ = "  ";
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& member : servers_.members) out.push_back(member.key);
    return out;
  }

  std::string upsert(const std::string& name, const Fields& fields) const override {
    if (top_.open == kNone) return "{\n" + unit_ + json::quote(container_) + ": {\n" + unit_ + unit_ + json::quote(name) + ": " +
                                   jsonObjectText(fields, unit_ + unit_, unit_) + "\n" + unit_ + "}\n}\n";
    if (!hasServers_) {
      const std::string indent = memberIndent(top_, "");
      std::string inner = json::quote(name) + ": " + jsonObjectText(fields, indent + unit_, unit_);
      return inserted(top_, indent, "", json::quote(container_) + ": {\n" + indent + unit_ + inner + "\n" + indent + "}");
    }
    for (const auto& member : servers_.members)
      if (member.key == name) {
        std::string indent = indentBefore(text_, member.keyBegin);
        const std::string value = indent.empty() ? jsonInlineText(fields) : jsonObjectText(fields, indent, unit_);
        return text_.substr(0, member.valueBegin) + value + text_.substr(member.valueEnd);
      }
    if (!servers_.members.empty() && indentBefore(text_, servers_.members.front().keyBegin).empty()) {
      // Servers written on one line stay on one line.
      const Member& last = servers_.members.back();
      const std::string member = json::quote(name) + ": " + jsonInlineText(fields);
      if (last.comma == kNone) return text_.substr(0, last.valueEnd) + ", " + member + text_.substr(last.valueEnd);
      return text_.substr(0, last.comma + 1) + " " + member + "," + text_.substr(last.comma + 1);
    }
    const std::string parentIndent = containerIndent();
    const std::string indent = memberIndent(servers_, parentIndent);
    return inserted(servers_, indent, parentIndent, json::quote(name) + ": " + jsonObjectText(fields, indent, unit_));
  }

  std::string remove(const std::string& name) const override {
    const auto& members = servers_.members;
    for (size_t i = 0; i < members.size(); ++i) {
      const Member& member = members[i];
      if (member.key != name) continue;
      const size_t floor = i == 0 ? servers_.open + 1 : members[i - 1].comma + 1;
      const size_t begin = blankRunStart(text_, member.keyBegin, floor);
      if (member.comma != kNone) return text_.substr(0, begin) + text_.substr(member.comma + 1);
      if (i == 0) {
        // The only member: an object left holding only blanks is written "{}".
        const bool blankAround = blankRunStart(text_, member.keyBegin, servers_.open + 1) == servers_.open + 1 &&
                                 text_.find_first_not_of(" \t\r\n", member.valueEnd) == servers_.close;
        return blankAround ? text_.substr(0, servers_.open + 1) + text_.substr(servers_.close) : text_.substr(0, begin) + text_.substr(member.valueEnd);
      }
      // The last member: the comma before it goes too.
      const size_t comma = members[i - 1].comma;
      return text_.substr(0, comma) + text_.substr(comma + 1, begin - comma - 1) + text_.substr(member.valueEnd);
    }
    return text_;
  }

 private:
  // The indent of the servers object's own line: that of the member holding it.
  std::string containerIndent() const {
    for (const auto& member : top_.members)
      if (member.key == container_) return indentBefore(text_, member.keyBegin);
    return unit_;
  }

  std::string memberIndent(const ObjectSpan& object, const std::string& parentIndent) const {
    if (!object.members.empty()) {
      std::string indent = indentBefore(text_, object.members.front().keyBegin);
      if (!indent.empty()) return indent;
    }
    return parentIndent + unit_;
  }

  // `object` with `memberText` added as its last member. Adding after a member without a
  // trailing comma puts ",\n<member>" right after its value, so removing gives the same bytes.
  std::string inserted(const ObjectSpan& object, const std::string& indent, const std::string& parentIndent, const std::string& memberText) const {
    if (!object.members.empty()) {
      const Member& last = object.members.back();
      if (last.comma == kNone) return text_.substr(0, last.valueEnd) + ",\n" + indent + memberText + text_.substr(last.valueEnd);
      return text_.substr(0, last.comma + 1) + "\n" + indent + memberText + "," + text_.substr(last.comma + 1);
    }
    const bool closesOnOwnLine = text_.substr(object.open, object.close - object.open).find('\n') != kNone;
    return text_.substr(0, object.open + 1) + "\n" + indent + memberText + (closesOnOwnLine ? "" : "\n" + parentIndent) + text_.substr(object.open + 1);
  }

  std::string text_;
  std::string container_;
  ObjectSpan top_;
  ObjectSpan servers_;
  bool hasServers_ = false;
  std::string unit_;
};

}  // namespace

std::unique_ptr<ServerTable> jsoncServerTable(std::string text, std::string container) {
  return std::make_unique<JsoncServerTable>(std::move(text), std::move(container));
}

}  // namespace moat::clients
