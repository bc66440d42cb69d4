// HTTP/1.1 message heads (RFC 9112) formatted and parsed on plain strings. The upstream hop uses
// these instead of POCO's MessageHeader, which reads and writes a character at a time through
// istream/ostream layers and formats every request head twice (once only to measure it).
#pragma once

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>

#include <string>
#include <utility>
#include <vector>

namespace moat::net {

using FieldList = std::vector<std::pair<std::string, std::string>>;

// Appends "name: value\r\n". Throws Poco::Net::MessageException when the name is not a token or
// the value holds CR, LF or NUL: a stage's header must never split into two.
void appendField(std::string& out, const std::string& name, const std::string& value);

// "HTTP/1.1 200 OK" into the response's version, status and reason.
// Throws Poco::Net::MessageException when the line is not a status line.
void parseStatusLine(const std::string& line, Poco::Net::HTTPResponse& response);

// One field line (without CRLF) appended to `fields`; a line starting with SP or HTAB continues
// the previous field (obs-fold, replaced by one SP). Throws Poco::Net::MessageException when the
// line is malformed (no colon, a bad name, whitespace before the colon).
void parseFieldLine(const std::string& line, FieldList& fields);

}  // namespace moat::net
