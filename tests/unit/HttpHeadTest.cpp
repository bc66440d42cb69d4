#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>

#include <catch2/catch.hpp>

#include "net/HttpHead.h"

using moat::net::appendField;
using moat::net::HeaderList;
using moat::net::parseFieldLine;
using moat::net::parseStatusLine;

TEST_CASE("status lines give version, status and reason") {
  Poco::Net::HTTPResponse response;
  parseStatusLine("HTTP/1.1 202 Accepted", response);
  CHECK(response.getVersion() == "HTTP/1.1");
  CHECK(response.getStatus() == 202);
  CHECK(response.getReason() == "Accepted");
  parseStatusLine("HTTP/1.0 404 Not Found Here", response);
  CHECK(response.getVersion() == "HTTP/1.0");
  CHECK(response.getStatus() == 404);
  CHECK(response.getReason() == "Not Found Here");
  parseStatusLine("HTTP/1.1 204", response);  // the reason is optional
  CHECK(response.getStatus() == 204);
  CHECK(response.getReason().empty());
}

TEST_CASE("malformed status lines are refused") {
  Poco::Net::HTTPResponse response;
  for (const char* line : {"", "HTTP/1.1", "HTTP/1.1 20", "HTTP/1.1 2x0 OK", "HTTP/2.0 200 OK", "ICY 200 OK", "HTTP/1.1 099 Low",
                           "HTTP/1.1 2000 OK", "http/1.1 200 OK"})
    CHECK_THROWS_AS(parseStatusLine(line, response), Poco::Net::MessageException);
}

TEST_CASE("field lines are split at the first colon and trimmed") {
  HeaderList fields;
  parseFieldLine("Content-Type:  application/json ", fields);
  parseFieldLine("Mcp-Session-Id:abc:def", fields);
  parseFieldLine("X-Empty:", fields);
  REQUIRE(fields.size() == 3);
  CHECK(fields[0] == std::make_pair(std::string("Content-Type"), std::string("application/json")));
  CHECK(fields[1] == std::make_pair(std::string("Mcp-Session-Id"), std::string("abc:def")));
  CHECK(fields[2] == std::make_pair(std::string("X-Empty"), std::string()));
}

TEST_CASE("an obs-fold continuation joins the previous field with one space") {
  HeaderList fields;
  parseFieldLine("X-Long: first", fields);
  parseFieldLine(" \t second part", fields);
  REQUIRE(fields.size() == 1);
  CHECK(fields[0].second == "first second part");
  HeaderList none;
  CHECK_THROWS_AS(parseFieldLine(" orphan", none), Poco::Net::MessageException);
}

TEST_CASE("malformed field lines are refused") {
  HeaderList fields;
  // No colon; whitespace before the colon (RFC 9112 §5.1, a smuggling vector); a bad name; a
  // bare CR or NUL inside the value.
  for (const std::string& line : {std::string("NoColon"), std::string("Content-Length : 5"), std::string("Bad Name: x"),
                                   std::string(": empty name"), std::string("X-A: one\rtwo"), std::string("X-A: one\0two", 12)})
    CHECK_THROWS_AS(parseFieldLine(line, fields), Poco::Net::MessageException);
  CHECK(fields.empty());
}

TEST_CASE("fields are written as name, colon, space, value, CRLF") {
  std::string out;
  appendField(out, "Authorization", "Bearer abc");
  appendField(out, "X-Empty", "");
  CHECK(out == "Authorization: Bearer abc\r\nX-Empty: \r\n");
}

TEST_CASE("a header that would split into two is never written") {
  // A stage setting a value from untrusted input must not be able to inject a header or a body.
  std::string out;
  CHECK_THROWS_AS(appendField(out, "X-User", "alice\r\nX-Admin: true"), Poco::Net::MessageException);
  CHECK_THROWS_AS(appendField(out, "X-User", "alice\nX-Admin: true"), Poco::Net::MessageException);
  CHECK_THROWS_AS(appendField(out, "X-User", std::string("a\0b", 3)), Poco::Net::MessageException);
  CHECK_THROWS_AS(appendField(out, "X User", "a"), Poco::Net::MessageException);
  CHECK_THROWS_AS(appendField(out, "X-User:", "a"), Poco::Net::MessageException);
  CHECK(out.empty());
}

TEST_CASE("a header list keeps arrival order and finds names in any case") {
  moat::net::HeaderList headers;
  headers.add("Accept", "a");
  headers.add("X-Twice", "1");
  headers.add("x-twice", "2");
  CHECK(headers.get("ACCEPT") == "a");
  CHECK(headers.get("X-Twice") == "1");
  CHECK(headers.get("X-Missing", "none") == "none");
  CHECK_THROWS_AS(headers.get("X-Missing"), Poco::NotFoundException);
  CHECK_FALSE(headers.has("Accep"));  // a prefix is not the name
  headers.set("X-TWICE", "3");  // the first is replaced, the other dropped
  REQUIRE(headers.size() == 2);
  CHECK(headers[1] == std::make_pair(std::string("X-Twice"), std::string("3")));
  headers.set("X-New", "n");
  CHECK(headers[2].first == "X-New");
  headers.erase("accept");
  CHECK(headers.size() == 2);
  CHECK(headers[0].first == "X-Twice");
}

TEST_CASE("head lines, list elements and lengths are read as RFC 9112 writes them") {
  std::string_view head = "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n";
  CHECK(moat::net::takeHeadLine(head) == "GET / HTTP/1.1");
  CHECK(moat::net::takeHeadLine(head) == "Host: a");  // a bare LF ends a line too
  CHECK(moat::net::takeHeadLine(head) == "X: b");
  CHECK(moat::net::takeHeadLine(head).empty());
  CHECK(head.empty());

  std::vector<std::string> elements;
  moat::net::forEachListElement(" keep-alive ,\tUpgrade,, close", [&](std::string_view e) { elements.emplace_back(e); });
  CHECK(elements == std::vector<std::string>{"keep-alive", "Upgrade", "", "close"});

  CHECK(moat::net::parseContentLength("0") == std::optional<uint64_t>(0));
  CHECK(moat::net::parseContentLength("1048576") == std::optional<uint64_t>(1048576));
  for (const char* bad : {"", "-1", "+5", "1e3", " 5", "5 ", "0x10", "1234567890123456789"}) {
    INFO(bad);
    CHECK_FALSE(moat::net::parseContentLength(bad).has_value());
  }
}
