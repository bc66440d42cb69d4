// A small JSON reader and string escaper for plugins. Plugin configuration arrives as JSON and
// plugin authors should not need a JSON library just to read it. Header-only, C++17.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::json {

class Value {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Value() = default;
  static Value makeBool(bool b) { Value v; v.type_ = Type::Bool; v.bool_ = b; return v; }
  static Value makeNumber(double d) { Value v; v.type_ = Type::Number; v.number_ = d; return v; }
  static Value makeString(std::string s) { Value v; v.type_ = Type::String; v.string_ = std::move(s); return v; }
  static Value makeArray() { Value v; v.type_ = Type::Array; return v; }
  static Value makeObject() { Value v; v.type_ = Type::Object; return v; }

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  bool asBool() const { expect(Type::Bool, "a boolean"); return bool_; }
  double asNumber() const { expect(Type::Number, "a number"); return number_; }
  const std::string& asString() const { expect(Type::String, "a string"); return string_; }
  const std::vector<Value>& items() const { expect(Type::Array, "an array"); return items_; }
  const std::map<std::string, Value>& members() const { expect(Type::Object, "an object"); return members_; }

  // Object member or nullptr; never throws for a missing key.
  const Value* find(std::string_view key) const {
    if (type_ != Type::Object) return nullptr;
    auto it = members_.find(std::string(key));
    return it == members_.end() ? nullptr : &it->second;
  }
  std::string stringOr(std::string_view key, std::string fallback) const {
    const Value* v = find(key);
    return v && v->isString() ? v->string_ : fallback;
  }

  std::vector<Value>& mutableItems() { return items_; }
  std::map<std::string, Value>& mutableMembers() { return members_; }

 private:
  void expect(Type t, const char* what) const {
    if (type_ != t) throw std::runtime_error(std::string("JSON value is not ") + what);
  }
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::map<std::string, Value> members_;
};

namespace detail {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Value parseDocument() {
    Value v = parseValue(0);
    skipSpace();
    if (pos_ != text_.size()) fail("trailing characters");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error(std::string("invalid JSON at offset ") + std::to_string(pos_) + ": " + what);
  }
  void skipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }
  bool consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Value parseValue(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    skipSpace();
    if (pos_ >= text_.size()) fail("unexpected end");
    char c = text_[pos_];
    if (c == '{') return parseObject(depth);
    if (c == '[') return parseArray(depth);
    if (c == '"') return Value::makeString(parseString());
    if (consume("true")) return Value::makeBool(true);
    if (consume("false")) return Value::makeBool(false);
    if (consume("null")) return Value();
    if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
    fail("unexpected character");
  }

  Value parseObject(int depth) {
    Value obj = Value::makeObject();
    ++pos_;
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') { ++pos_; return obj; }
    for (;;) {
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a member name");
      std::string key = parseString();
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':'");
      ++pos_;
      obj.mutableMembers()[key] = parseValue(depth + 1);
      skipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < text_.size() && text_[pos_] == '}') { ++pos_; return obj; }
      fail("expected ',' or '}'");
    }
  }

  Value parseArray(int depth) {
    Value arr = Value::makeArray();
    ++pos_;
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') { ++pos_; return arr; }
    for (;;) {
      arr.mutableItems().push_back(parseValue(depth + 1));
      skipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < text_.size() && text_[pos_] == ']') { ++pos_; return arr; }
      fail("expected ',' or ']'");
    }
  }

  Value parseNumber() {
    size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && std::string_view("0123456789.eE+-").find(text_[pos_]) != std::string_view::npos) ++pos_;
    std::string token(text_.substr(start, pos_ - start));
    char* end = nullptr;
    double d = std::strtod(token.c_str(), &end);
    if (end != token.c_str() + token.size()) fail("malformed number");
    if (!std::isfinite(d)) fail("number out of range");  // 1e400: no JSON text could say it back
    return Value::makeNumber(d);
  }

  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) { out += static_cast<char>(cp); }
    else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t parseHex4() {
    if (pos_ + 4 > text_.size()) fail("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }

  std::string parseString() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') { out += c; continue; }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = parseHex4();
          if (cp >= 0xD800 && cp <= 0xDBFF && consume("\\u")) {
            uint32_t low = parseHex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
    fail("unterminated string");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace detail

// Throws std::runtime_error naming the offset of the first problem.
inline Value parse(std::string_view text) { return detail::Parser(text).parseDocument(); }

// `text` as a quoted JSON string.
inline std::string quote(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// `value` as compact JSON text. Integral numbers print without a fraction.
inline void write(const Value& value, std::string& out) {
  switch (value.type()) {
    case Value::Type::Null: out += "null"; return;
    case Value::Type::Bool: out += value.asBool() ? "true" : "false"; return;
    case Value::Type::Number: {
      double d = value.asNumber();
      // The range test comes first: converting a double outside long long's range is undefined.
      if (d > -9.007199254740992e15 && d < 9.007199254740992e15 && d == std::trunc(d)) {
        out += std::to_string(static_cast<long long>(d));
      } else {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.17g", d);
        out += buffer;
      }
      return;
    }
    case Value::Type::String: out += quote(value.asString()); return;
    case Value::Type::Array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.items()) {
        if (!first) out += ',';
        first = false;
        write(item, out);
      }
      out += ']';
      return;
    }
    case Value::Type::Object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.members()) {
        if (!first) out += ',';
        first = false;
        out += quote(key);
        out += ':';
        write(member, out);
      }
      out += '}';
      return;
    }
  }
}
inline std::string write(const Value& value) {
  std::string out;
  write(value, out);
  return out;
}

}  // namespace moat::json
