// Block-style YAML edited line by line: the servers key's block is found by indentation, an
// entry is its first line and every deeper line after it, and yaml-cpp checks the file before
// and after each edit (it cannot write YAML back with the comments in place, so it only reads).
#include <yaml-cpp/yaml.h>

#include <optional>

#include "clients/FieldText.h"
#include "clients/ServerTable.h"
#include "moat/json.hpp"

namespace moat::clients {
namespace {

constexpr size_t kNone = std::string::npos;

struct Line {
  size_t begin = 0, end = 0;  // end: before the '\n'
  size_t next = 0;            // the next line's begin (end when the file ends without '\n')
  size_t indent = 0;
  bool content = false;  // neither blank nor only a comment
};

std::vector<Line> splitLines(const std::string& text) {
  std::vector<Line> lines;
  for (size_t begin = 0; begin < text.size();) {
    size_t newline = text.find('\n', begin);
    Line line;
    line.begin = begin;
    line.end = newline == kNone ? text.size() : newline;
    line.next = newline == kNone ? text.size() : newline + 1;
    line.indent = text.find_first_not_of(' ', begin) - begin;
    size_t first = begin + line.indent;
    line.content = first < line.end && text[first] != '#' && text[first] != '\r';
    lines.push_back(line);
    begin = line.next;
  }
  return lines;
}

YAML::Node load(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigSyntaxError("line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

// The key a block mapping line starts with ("name:", "\"name\":", "'name':"), or nullopt.
std::optional<std::string> lineKey(const std::string& text, const Line& line, size_t* afterColon = nullptr) {
  size_t at = line.begin + line.indent;
  if (at < line.end && text[at] == '-') return std::nullopt;
  std::string key;
  size_t colon;
  if (at < line.end && (text[at] == '"' || text[at] == '\'')) {
    size_t close = text.find(text[at], at + 1);
    if (close == kNone || close >= line.end) return std::nullopt;
    key = text[at] == '"' ? json::parse(text.substr(at, close - at + 1)).asString() : text.substr(at + 1, close - at - 1);
    colon = close + 1;
  } else {
    colon = text.find(':', at);
    if (colon == kNone || colon >= line.end) return std::nullopt;
    key = text.substr(at, colon - at);
    while (!key.empty() && key.back() == ' ') key.pop_back();
  }
  if (colon >= line.end || text[colon] != ':' || (colon + 1 < line.end && text[colon + 1] != ' ' && text[colon + 1] != '\r')) return std::nullopt;
  if (afterColon) *afterColon = colon + 1;
  return key;
}

struct Entry {
  size_t begin = 0, end = 0;  // end: past the '\n' of its last content line
  std::string name;
};

class YamlServerTable : public ServerTable {
 public:
  YamlServerTable(std::string text, std::string container, std::string idKey)
      : text_(std::move(text)), container_(std::move(container)), idKey_(std::move(idKey)) {
    YAML::Node document = load(text_);
    if (document && !document.IsNull() && !document.IsMap()) throw ConfigSyntaxError("line 1, column 1: the file must be a YAML mapping");
    lines_ = splitLines(text_);
    for (size_t i = 0; i < lines_.size(); ++i) {
      size_t afterColon = 0;
      if (!lines_[i].content || lines_[i].indent != 0 || lineKey(text_, lines_[i], &afterColon) != container_) continue;
      keyLine_ = i;
      readInlineValue(afterColon);
      readEntries(i + 1);
    }
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& entry : entries_) out.push_back(entry.name);
    return out;
  }

  std::string upsert(const std::string& name, const Fields& fields) const override {
    std::string result;
    if (keyLine_ == kNone) {
      const bool needsNewline = !text_.empty() && text_.back() != '\n';
      result = text_ + (needsNewline ? "\n" : "") + keyText(container_) + ":\n" + entryText(name, fields, "  ");
    } else if (auto existing = find(name)) {
      result = text_.substr(0, existing->begin) + entryText(name, fields, indentOf(*existing)) + text_.substr(existing->end);
    } else if (!entries_.empty()) {
      size_t at = entries_.back().end;
      const bool needsNewline = text_[at - 1] != '\n';
      result = text_.substr(0, at) + (needsNewline ? "\n" : "") + entryText(name, fields, indentOf(entries_.front())) + text_.substr(at);
    } else {
      const Line& key = lines_[keyLine_];
      std::string head = text_.substr(0, inlineBegin_) + text_.substr(inlineEnd_, key.end - inlineEnd_);
      result = head + "\n" + entryText(name, fields, "  ") + text_.substr(key.next);
    }
    checkHolds(result, name, true);
    return result;
  }

  std::string remove(const std::string& name) const override {
    auto existing = find(name);
    if (!existing) return text_;
    std::string result = text_.substr(0, existing->begin) + text_.substr(existing->end);
    if (entries_.size() == 1) {
      // An empty block would read as null; say it is an empty collection.
      result.insert(inlineBegin_, idKey_.empty() ? " {}" : " []");
    }
    checkHolds(result, name, false);
    return result;
  }

 private:
  void readInlineValue(size_t afterColon) {
    const Line& key = lines_[keyLine_];
    size_t comment = text_.find(" #", afterColon);
    size_t valueEnd = comment == kNone || comment > key.end ? key.end : comment;
    size_t first = text_.find_first_not_of(" \r", afterColon);
    inlineBegin_ = inlineEnd_ = afterColon;
    if (first == kNone || first >= valueEnd) return;
    std::string value = text_.substr(first, valueEnd - first);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.pop_back();
    if (value != "{}" && value != "[]" && value != "~" && value != "null")
      throw ConfigSyntaxError(positionText(text_, first) + ": " + container_ + " is written in flow style; moat edits block-style YAML only");
    inlineEnd_ = first + value.size();
  }

  void readEntries(size_t from) {
    const bool list = !idKey_.empty();
    size_t childIndent = kNone;
    for (size_t i = from; i < lines_.size(); ++i) {
      const Line& line = lines_[i];
      if (!line.content) continue;
      const bool dash = text_[line.begin + line.indent] == '-';
      if (line.indent == 0 && !(list && dash)) break;
      if (childIndent == kNone) childIndent = line.indent;
      if (line.indent < childIndent) break;
      if (line.indent == childIndent) {
        if (list != dash) throw ConfigSyntaxError(positionText(text_, line.begin) + ": " + container_ + (list ? " must be a list" : " must be a mapping"));
        if (list && !entries_.empty() && text_.compare(line.begin + line.indent, 2, "- ") != 0 && line.end != line.begin + line.indent + 1) {
          // "-x" is a scalar, not an item; yaml-cpp has already accepted the file, so this is rare.
          throw ConfigSyntaxError(positionText(text_, line.begin) + ": an item of " + container_ + " moat cannot read");
        }
        entries_.push_back(Entry{line.begin, line.next, list ? "" : lineKey(text_, line).value_or("")});
      } else if (!entries_.empty()) {
        entries_.back().end = line.next;
      }
    }
    if (list)
      for (auto& entry : entries_) {
        YAML::Node item = load(text_.substr(entry.begin, entry.end - entry.begin));
        if (item.IsSequence() && item.size() == 1 && item[0].IsMap() && item[0][idKey_] && item[0][idKey_].IsScalar()) entry.name = item[0][idKey_].as<std::string>();
      }
  }

  std::optional<Entry> find(const std::string& name) const {
    for (const auto& entry : entries_)
      if (entry.name == name) return entry;
    return std::nullopt;
  }

  std::string indentOf(const Entry& entry) const { return std::string(text_.find_first_not_of(' ', entry.begin) - entry.begin, ' '); }

  std::string entryText(const std::string& name, const Fields& fields, const std::string& indent) const {
    std::string out;
    if (idKey_.empty()) {
      out = indent + keyText(name) + ":\n";
      for (const auto& field : fields) out += indent + "  " + keyText(field.key) + ": " + scalarText(field) + "\n";
      return out;
    }
    out = indent + "- " + keyText(idKey_) + ": " + json::quote(name) + "\n";
    for (const auto& field : fields)
      if (field.key != idKey_) out += indent + "  " + keyText(field.key) + ": " + scalarText(field) + "\n";
    return out;
  }

  // The edit must leave a file yaml-cpp reads, with the entry present or gone as asked.
  void checkHolds(const std::string& result, const std::string& name, bool present) const {
    YAML::Node document = load(result);
    YAML::Node servers = document[container_];
    bool found = false;
    if (servers && servers.IsMap()) found = static_cast<bool>(servers[name]);
    if (servers && servers.IsSequence())
      for (const auto& item : servers) found = found || (item.IsMap() && item[idKey_] && item[idKey_].IsScalar() && item[idKey_].as<std::string>() == name);
    if (found != present) throw ConfigSyntaxError("line 1, column 1: moat could not edit " + container_ + " safely in this file; edit it by hand");
  }

  std::string text_;
  std::string container_;
  std::string idKey_;
  std::vector<Line> lines_;
  size_t keyLine_ = kNone;
  size_t inlineBegin_ = 0, inlineEnd_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace

std::unique_ptr<ServerTable> yamlMapServerTable(std::string text, std::string container) {
  return std::make_unique<YamlServerTable>(std::move(text), std::move(container), "");
}

std::unique_ptr<ServerTable> yamlListServerTable(std::string text, std::string container, std::string idKey) {
  return std::make_unique<YamlServerTable>(std::move(text), std::move(container), std::move(idKey));
}

}  // namespace moat::clients
