#include <catch2/catch.hpp>

#include <Poco/Net/HTTPRequest.h>

#include "server/IngressGuard.h"

using moat::gateway::isLoopbackName;

TEST_CASE("loopback names are exact") {
  CHECK(isLoopbackName("localhost"));
  CHECK(isLoopbackName("127.0.0.1"));
  CHECK(isLoopbackName("127.1.2.3"));
  CHECK(isLoopbackName("[::1]"));
  CHECK_FALSE(isLoopbackName("evil.example.com"));
  CHECK_FALSE(isLoopbackName("127.evil.example"));
  CHECK_FALSE(isLoopbackName("localhost.evil.example"));
  CHECK(isLoopbackName("127.255.255.255"));
  for (const char* notQuad : {"127.0.0.1.", "127.0.0.256", "127.0.0.01", "127.0.0", "127.0.0.1.5", "127..0.1", "128.0.0.1", "127.0.0.1a"}) {
    INFO(notQuad);
    CHECK_FALSE(isLoopbackName(notQuad));
  }
}
