// TOML edited as text. A reader walks the whole file (so a malformed one is refused before any
// change), and records where each [container.NAME] table starts and where its last line ends;
// an entry is written as one such table at the end of the file.
#include <algorithm>
#include <optional>
#include <string_view>

#include "clients/FieldText.h"
#include "clients/ServerTable.h"
#include "moat/json.hpp"

namespace moat::clients {
namespace {

constexpr size_t kNone = std::string::npos;

struct Table {
  std::vector<std::string> path;
  size_t begin = 0;  // the header line's first byte
  size_t end = 0;    // past the '\n' of its last line with content
};

class TomlReader {
 public:
  TomlReader(std::string_view text, std::string container) : text_(text), container_(std::move(container)) {}

  void read() {
    for (;;) {
      skipBlankLines();
      if (pos_ >= text_.size()) break;
      const size_t lineBegin = pos_;
      if (text_[pos_] == '[') {
        const bool arrayTable = text_.substr(pos_, 2) == "[[";
        pos_ += arrayTable ? 2 : 1;
        std::vector<std::string> path = keyPath();
        if (text_.substr(pos_, arrayTable ? 2 : 1) != (arrayTable ? "]]" : "]")) fail("expected ']' to close the table header");
        pos_ += arrayTable ? 2 : 1;
        endOfLine();
        tables.push_back(Table{path, lineBegin, pos_});
        current_ = path;
      } else {
        std::vector<std::string> key = keyPath();
        if (pos_ >= text_.size() || text_[pos_] != '=') fail("expected '=' after the key");
        ++pos_;
        skipSpaces();
        value(0);
        endOfLine();
        if (!tables.empty()) tables.back().end = pos_;
        std::vector<std::string> full = current_;
        full.insert(full.end(), key.begin(), key.end());
        if (current_.size() < 2 && full.size() >= 2 && full[0] == container_) inlineNames.push_back(full[1]);
      }
    }
  }

  std::vector<Table> tables;
  std::vector<std::string> inlineNames;  // servers written as keys, not as [container.NAME] tables

 private:
  [[noreturn]] void fail(const std::string& what) const { throw ConfigSyntaxError(positionText(std::string(text_), pos_) + ": " + what); }

  void skipSpaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void skipComment() {
    if (pos_ < text_.size() && text_[pos_] == '#') {
      pos_ = text_.find('\n', pos_);
      if (pos_ == kNone) pos_ = text_.size();
    }
  }
  void skipBlankLines() {
    for (;;) {
      skipSpaces();
      skipComment();
      if (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
        ++pos_;
        continue;
      }
      return;
    }
  }
  // Spaces and newlines and comments, inside an array.
  void skipInsideArray() {
    for (;;) {
      skipBlankLines();
      if (pos_ >= text_.size() || text_[pos_] != '#') return;
    }
  }
  void endOfLine() {
    skipSpaces();
    skipComment();
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] != '\n') fail("expected the end of the line");
    if (pos_ < text_.size()) ++pos_;
  }

  std::string quoted() {
    const char quote = text_[pos_];
    const size_t begin = pos_++;
    while (pos_ < text_.size() && text_[pos_] != quote && text_[pos_] != '\n') pos_ += quote == '"' && text_[pos_] == '\\' ? 2 : 1;
    if (pos_ >= text_.size() || text_[pos_] != quote) {
      pos_ = begin;
      fail("a string is never closed on its line");
    }
    ++pos_;
    if (quote == '\'') return std::string(text_.substr(begin + 1, pos_ - begin - 2));
    try {
      return json::parse(text_.substr(begin, pos_ - begin)).asString();
    } catch (const std::runtime_error&) {
      return std::string(text_.substr(begin + 1, pos_ - begin - 2));  // TOML escapes JSON lacks (\e, \U) stay as written
    }
  }

  std::vector<std::string> keyPath() {
    std::vector<std::string> path;
    for (;;) {
      skipSpaces();
      if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
        path.push_back(quoted());
      } else {
        size_t begin = pos_;
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' || text_[pos_] == '-')) ++pos_;
        if (pos_ == begin) fail("expected a key");
        path.emplace_back(text_.substr(begin, pos_ - begin));
      }
      skipSpaces();
      if (pos_ >= text_.size() || text_[pos_] != '.') return path;
      ++pos_;
    }
  }

  void value(int depth) {
    if (depth > 64) fail("nesting is too deep");
    if (pos_ >= text_.size()) fail("a value is missing");
    const std::string_view rest = text_.substr(pos_);
    if (rest.substr(0, 3) == "\"\"\"" || rest.substr(0, 3) == "'''") {
      const std::string_view fence = rest.substr(0, 3);
      size_t at = pos_ + 3;
      for (;;) {
        at = text_.find(fence, at);
        if (at == kNone) fail("a multi-line string is never closed");
        if (fence[0] == '"' && text_[at - 1] == '\\') {
          ++at;
          continue;
        }
        break;
      }
      pos_ = at + 3;
      while (pos_ < text_.size() && text_[pos_] == fence[0]) ++pos_;  // up to two quotes may end the content
    } else if (text_[pos_] == '"' || text_[pos_] == '\'') {
      quoted();
    } else if (text_[pos_] == '[') {
      ++pos_;
      skipInsideArray();
      while (pos_ < text_.size() && text_[pos_] != ']') {
        value(depth + 1);
        skipInsideArray();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          skipInsideArray();
        } else if (pos_ < text_.size() && text_[pos_] != ']') {
          fail("expected ',' or ']' in the array");
        }
      }
      if (pos_ >= text_.size()) fail("an array is never closed");
      ++pos_;
    } else if (text_[pos_] == '{') {
      ++pos_;
      skipSpaces();
      while (pos_ < text_.size() && text_[pos_] != '}') {
        keyPath();
        if (pos_ >= text_.size() || text_[pos_] != '=') fail("expected '=' in the inline table");
        ++pos_;
        skipSpaces();
        value(depth + 1);
        skipSpaces();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          skipSpaces();
        } else if (pos_ < text_.size() && text_[pos_] != '}') {
          fail("expected ',' or '}' in the inline table");
        }
      }
      if (pos_ >= text_.size()) fail("an inline table is never closed");
      ++pos_;
    } else {
      // Numbers, booleans, dates: one word (a date may hold a space before its time).
      const size_t begin = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || std::string_view("+-_.:").find(text_[pos_]) != std::string_view::npos)) ++pos_;
      if (pos_ + 1 < text_.size() && text_[pos_] == ' ' && std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])) && pos_ - begin == 10) {
        ++pos_;
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || std::string_view("+-.:").find(text_[pos_]) != std::string_view::npos)) ++pos_;
      }
      if (pos_ == begin) fail("expected a value");
    }
  }

  std::string_view text_;
  std::string container_;
  size_t pos_ = 0;
  std::vector<std::string> current_;
};

class TomlServerTable : public ServerTable {
 public:
  TomlServerTable(std::string text, std::string container) : text_(std::move(text)), container_(std::move(container)), reader_(text_, container_) {
    reader_.read();
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    auto add = [&](const std::string& name) {
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    };
    for (const auto& table : reader_.tables)
      if (table.path.size() >= 2 && table.path[0] == container_) add(table.path[1]);
    for (const auto& name : reader_.inlineNames) add(name);
    return out;
  }

  std::string upsert(const std::string& name, const Fields& fields) const override {
    for (const auto& inlineName : reader_.inlineNames)
      if (inlineName == name) throw ConfigSyntaxError("line 1, column 1: " + container_ + "." + name + " is written as keys, not as a table; moat leaves it alone, edit it by hand");
    std::string table = "[" + keyText(container_) + "." + keyText(name) + "]\n";
    for (const auto& field : fields) table += keyText(field.key) + " = " + scalarText(field) + "\n";
    auto own = ownTables(name);
    if (!own.empty()) return withoutTables(own, table);
    std::string separator = text_.empty() ? "" : text_.back() == '\n' ? "\n" : "\n\n";
    return text_ + separator + table;
  }

  std::string remove(const std::string& name) const override { return withoutTables(ownTables(name), ""); }

 private:
  std::vector<Table> ownTables(const std::string& name) const {
    std::vector<Table> own;
    for (const auto& table : reader_.tables)
      if (table.path.size() >= 2 && table.path[0] == container_ && table.path[1] == name) own.push_back(table);
    return own;
  }

  // The text without those tables, `replacement` in the first one's place. A removed table
  // takes the blank line before it (the one moat writes before a table it adds); one at the
  // start of the file takes the blank lines after it instead.
  std::string withoutTables(const std::vector<Table>& tables, const std::string& replacement) const {
    if (tables.empty()) return text_;
    std::string out = text_;
    for (size_t i = tables.size(); i-- > 0;) {
      const bool replaced = i == 0 && !replacement.empty();
      size_t begin = tables[i].begin, end = tables[i].end;
      if (!replaced && begin > 0) {
        size_t previous = begin >= 2 ? out.rfind('\n', begin - 2) : kNone;
        previous = previous == kNone ? 0 : previous + 1;
        if (out.find_first_not_of(" \t\r", previous) >= begin - 1) begin = previous;
      } else if (!replaced) {
        while (end < out.size() && out.find_first_not_of(" \t\r", end) == out.find('\n', end) && out.find('\n', end) != kNone) end = out.find('\n', end) + 1;
      }
      out.replace(begin, end - begin, replaced ? replacement : "");
    }
    return out;
  }

  std::string text_;
  std::string container_;
  TomlReader reader_;
};

}  // namespace

std::unique_ptr<ServerTable> tomlServerTable(std::string text, std::string container) {
  return std::make_unique<TomlServerTable>(std::move(text), std::move(container));
}

}  // namespace moat::clients
