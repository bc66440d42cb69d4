#include <catch2/catch.hpp>

#include "net/SseParser.h"

using moat::gateway::formatSseEvent;
using moat::gateway::SseParser;

TEST_CASE("events split at every byte boundary come out whole") {
  const std::string stream = "event: endpoint\r\ndata: /messages?sessionId=1\r\n\r\n: keep-alive\n\ndata: {\"a\":1}\ndata: {\"b\":2}\nid: 7\n\n";
  for (size_t split = 0; split <= stream.size(); ++split) {
    SseParser parser;
    auto first = parser.feed(std::string_view(stream).substr(0, split));
    auto second = parser.feed(std::string_view(stream).substr(split));
    first.insert(first.end(), second.begin(), second.end());
    REQUIRE(first.size() == 2);
    CHECK(first[0].event == "endpoint");
    CHECK(first[0].data == "/messages?sessionId=1");
    CHECK(first[1].event == "message");
    CHECK(first[1].data == "{\"a\":1}\n{\"b\":2}");
    CHECK(first[1].id == "7");
  }
}

TEST_CASE("an event without data is not dispatched and comments are ignored") {
  SseParser parser;
  CHECK(parser.feed("event: ping\n\n: comment\n\n").empty());
}

TEST_CASE("formatting and parsing round-trip multi-line data") {
  SseParser parser;
  auto events = parser.feed(formatSseEvent("message", "line one\nline two", "42"));
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "line one\nline two");
  CHECK(events[0].id == "42");
}
