#include "clients/FieldText.h"

#include <cctype>

#include "moat/json.hpp"

namespace moat::clients {

std::string scalarText(const Field& field) {
  if (const auto* text = std::get_if<std::string>(&field.value)) return json::quote(*text);
  if (const auto* flag = std::get_if<bool>(&field.value)) return *flag ? "true" : "false";
  if (const auto* number = std::get_if<long>(&field.value)) return std::to_string(*number);
  std::string out = "[";
  for (const auto& item : std::get<std::vector<std::string>>(field.value)) out += (out.size() > 1 ? ", " : "") + json::quote(item);
  return out + "]";
}

std::string jsonObjectText(const Fields& fields, const std::string& indent, const std::string& unit) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i)
    out += "\n" + indent + unit + json::quote(fields[i].key) + ": " + scalarText(fields[i]) + (i + 1 < fields.size() ? "," : "");
  return out + "\n" + indent + "}";
}

std::string jsonInlineText(const Fields& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + json::quote(fields[i].key) + ": " + scalarText(fields[i]);
  return out + "}";
}

std::string keyText(const std::string& key) {
  bool bare = !key.empty();
  for (char c : key) bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  // Words YAML 1.1 reads as booleans or null stay quoted.
  std::string lower;
  for (char c : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
    if (lower == word) bare = false;
  return bare ? key : json::quote(key);
}

std::string positionText(const std::string& text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace moat::clients
