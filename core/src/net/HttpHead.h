// HTTP/1.1 message heads (RFC 9112) formatted and parsed on plain strings. Both hops use these
// instead of POCO's MessageHeader, which reads and writes a character at a time through
// istream/ostream layers and formats every head twice (once only to measure it).
#pragma once

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/HeaderList.h"

namespace moat::net {

// Appends "name: value\r\n". Throws Poco::Net::MessageException when the name is not a token or
// the value holds CR, LF or NUL: a stage's header must never split into two.
void appendField(std::string& out, const std::string& name, const std::string& value);

// "HTTP/1.1 404 Not Found\r\n" (the standard reason phrase), the response's fields, then
// `more`, and the blank line. Throws as appendField does.
std::string formatResponseHead(const Poco::Net::HTTPResponse& response, const HeaderList& more);

// "HTTP/1.1 200 OK" into the response's version, status and reason.
// Throws Poco::Net::MessageException when the line is not a status line.
void parseStatusLine(std::string_view line, Poco::Net::HTTPResponse& response);

// "POST /mcp HTTP/1.1" into the request's method, target and version. Throws
// Poco::Net::MessageException when the line is malformed or the version is not HTTP/1.x.
void parseRequestLine(std::string_view line, Poco::Net::HTTPRequest& request);

// One field line (without CRLF) appended to `fields`; a line starting with SP or HTAB continues
// the previous field (obs-fold, replaced by one SP). Throws Poco::Net::MessageException when the
// line is malformed (no colon, a bad name, whitespace before the colon).
void parseFieldLine(std::string_view line, HeaderList& fields);

// One field line of a request, added to `message`. A folded line is refused here (RFC 9112
// lets a server reject it, and a proxy that unfolds what the next hop would not is a smuggling
// risk). Throws Poco::Net::MessageException as parseFieldLine does.
void parseRequestFieldLine(std::string_view line, Poco::Net::NameValueCollection& message);

// The next line of a head, without its CRLF (or LF), taken from the front of `head`.
std::string_view takeHeadLine(std::string_view& head);

// Calls `visit` with each element of a comma-separated field value ("close, Upgrade"), without
// the whitespace around it.
template <class Visit>
void forEachListElement(std::string_view list, Visit visit) {
  for (;;) {
    size_t comma = list.find(',');
    std::string_view element = list.substr(0, comma);
    while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
    while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) element.remove_suffix(1);
    visit(element);
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// A Content-Length value: decimal digits only, at most 18 of them; nullopt otherwise.
std::optional<uint64_t> parseContentLength(std::string_view digits);

}  // namespace moat::net
