#include "net/HttpHead.h"

#include <Poco/Net/NetException.h>

#include <array>
#include <string_view>

namespace moat::net {
namespace {

// RFC 9110 tchar, as a table: this runs for every byte of every header name.
constexpr auto kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 32] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool isTokenChar(unsigned char c) { return kTokenChars[c]; }

bool isToken(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!isTokenChar(c)) return false;
  return true;
}

bool isOws(char c) { return c == ' ' || c == '\t'; }

std::string trimmed(const std::string& s, size_t from, size_t to) {
  while (from < to && isOws(s[from])) ++from;
  while (to > from && isOws(s[to - 1])) --to;
  return s.substr(from, to - from);
}

}  // namespace

void appendField(std::string& out, const std::string& name, const std::string& value) {
  if (!isToken(name)) throw Poco::Net::MessageException("invalid header name '" + name + "'");
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') throw Poco::Net::MessageException("header " + name + " holds a line break");
  out.append(name).append(": ").append(value).append("\r\n");
}

void parseStatusLine(const std::string& line, Poco::Net::HTTPResponse& response) {
  // HTTP-version SP 3DIGIT SP [reason]; a missing reason (and its space) is tolerated.
  if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0 || line[8] != ' ')
    throw Poco::Net::MessageException("not an HTTP status line");
  std::string version = line.substr(0, 8);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") throw Poco::Net::MessageException("unsupported HTTP version " + version);
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') throw Poco::Net::MessageException("invalid status code");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' ')) throw Poco::Net::MessageException("invalid status code");
  response.setVersion(version);
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setReason(line.size() > 13 ? line.substr(13) : std::string());
}

void parseFieldLine(const std::string& line, FieldList& fields) {
  if (!line.empty() && isOws(line[0])) {
    if (fields.empty()) throw Poco::Net::MessageException("continuation line before any header");
    std::string more = trimmed(line, 0, line.size());
    if (!more.empty()) fields.back().second.append(" ").append(more);
    return;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) throw Poco::Net::MessageException("header line without a colon");
  std::string name = line.substr(0, colon);
  if (!isToken(name)) throw Poco::Net::MessageException("invalid header name");  // also whitespace before the colon
  std::string value = trimmed(line, colon + 1, line.size());
  if (value.find_first_of(std::string("\r\0", 2)) != std::string::npos) throw Poco::Net::MessageException("header " + name + " holds a bare CR or NUL");
  fields.emplace_back(std::move(name), std::move(value));
}

}  // namespace moat::net
