#include "net/HttpHead.h"

#include <Poco/Net/NetException.h>

#include <array>
#include <cstring>
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

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!isTokenChar(c)) return false;
  return true;
}

bool isOws(char c) { return c == ' ' || c == '\t'; }

// memchr is vectorized; string_view::find_first_of would call it once per character of `s`
// (a 1 KiB bearer token made that a visible share of a proxied call).
bool holdsCrOrNul(std::string_view s) {
  return !s.empty() && (std::memchr(s.data(), '\r', s.size()) || std::memchr(s.data(), '\0', s.size()));
}

std::string_view trimmed(std::string_view s) {
  size_t from = 0, to = s.size();
  while (from < to && isOws(s[from])) ++from;
  while (to > from && isOws(s[to - 1])) --to;
  return s.substr(from, to - from);
}

// "name: value" split at the first colon, the value without surrounding whitespace.
std::pair<std::string_view, std::string_view> splitField(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) throw Poco::Net::MessageException("header line without a colon");
  std::string_view name = line.substr(0, colon);
  if (!isToken(name)) throw Poco::Net::MessageException("invalid header name");  // also whitespace before the colon
  std::string_view value = trimmed(line.substr(colon + 1));
  if (holdsCrOrNul(value)) throw Poco::Net::MessageException("header " + std::string(name) + " holds a bare CR or NUL");
  return {name, value};
}

bool isHttp1Version(std::string_view version) { return version == "HTTP/1.1" || version == "HTTP/1.0"; }

}  // namespace

void appendField(std::string& out, const std::string& name, const std::string& value) {
  if (!isToken(name)) throw Poco::Net::MessageException("invalid header name '" + name + "'");
  if (holdsCrOrNul(value) || (!value.empty() && std::memchr(value.data(), '\n', value.size())))
    throw Poco::Net::MessageException("header " + name + " holds a line break");
  out.append(name).append(": ").append(value).append("\r\n");
}

std::string formatResponseHead(const Poco::Net::HTTPResponse& response, const HeaderList& more) {
  std::string head;
  head.reserve(256);
  head.append(response.getVersion()).append(" ").append(std::to_string(static_cast<int>(response.getStatus())));
  // The standard phrase: POCO's setStatus() keeps whatever reason an earlier status had.
  head.append(" ").append(Poco::Net::HTTPResponse::getReasonForStatus(response.getStatus())).append("\r\n");
  for (const auto& [name, value] : response) appendField(head, name, value);
  for (const auto& [name, value] : more) appendField(head, name, value);
  head.append("\r\n");
  return head;
}

void parseStatusLine(std::string_view line, Poco::Net::HTTPResponse& response) {
  // HTTP-version SP 3DIGIT SP [reason]; a missing reason (and its space) is tolerated.
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ') throw Poco::Net::MessageException("not an HTTP status line");
  std::string_view version = line.substr(0, 8);
  if (!isHttp1Version(version)) throw Poco::Net::MessageException("unsupported HTTP version " + std::string(version));
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') throw Poco::Net::MessageException("invalid status code");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' ')) throw Poco::Net::MessageException("invalid status code");
  response.setVersion(std::string(version));
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setReason(line.size() > 13 ? std::string(line.substr(13)) : std::string());
}

void parseRequestLine(std::string_view line, Poco::Net::HTTPRequest& request) {
  // method SP request-target SP HTTP-version, single spaces, no whitespace or controls inside.
  size_t firstSpace = line.find(' ');
  size_t lastSpace = line.rfind(' ');
  if (firstSpace == std::string_view::npos || lastSpace == firstSpace) throw Poco::Net::MessageException("not an HTTP request line");
  std::string_view method = line.substr(0, firstSpace);
  std::string_view target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
  std::string_view version = line.substr(lastSpace + 1);
  if (!isToken(method)) throw Poco::Net::MessageException("invalid request method");
  if (target.empty()) throw Poco::Net::MessageException("empty request target");
  for (unsigned char c : target)
    if (c <= ' ' || c == 0x7f) throw Poco::Net::MessageException("invalid character in the request target");
  if (!isHttp1Version(version)) throw Poco::Net::MessageException("unsupported HTTP version");
  request.setMethod(std::string(method));
  request.setURI(std::string(target));
  request.setVersion(std::string(version));
}

void parseFieldLine(std::string_view line, HeaderList& fields) {
  if (!line.empty() && isOws(line[0])) {
    if (fields.empty()) throw Poco::Net::MessageException("continuation line before any header");
    std::string_view more = trimmed(line);
    if (holdsCrOrNul(more)) throw Poco::Net::MessageException("continuation line holds a bare CR or NUL");
    if (!more.empty()) fields.back().second.append(" ").append(more);
    return;
  }
  auto [name, value] = splitField(line);
  fields.add(std::string(name), std::string(value));
}

void parseRequestFieldLine(std::string_view line, Poco::Net::NameValueCollection& message) {
  if (!line.empty() && isOws(line[0])) throw Poco::Net::MessageException("folded header line");
  auto [name, value] = splitField(line);
  message.add(std::string(name), std::string(value));
}

std::string_view takeHeadLine(std::string_view& head) {
  size_t newline = head.find('\n');
  std::string_view line = head.substr(0, newline);
  head.remove_prefix(newline == std::string_view::npos ? head.size() : newline + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::optional<uint64_t> parseContentLength(std::string_view digits) {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  uint64_t length = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + static_cast<uint64_t>(c - '0');
  }
  return length;
}

}  // namespace moat::net
