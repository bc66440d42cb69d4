#include <catch2/catch.hpp>

#include "log/Log.h"

TEST_CASE("query values are redacted") {
  CHECK(moat::log::redactQuery("/mcp?access_token=abc&x=1") == "/mcp?access_token=***&x=***");
  CHECK(moat::log::redactQuery("/mcp") == "/mcp");
}

TEST_CASE("level and format names") {
  moat::log::Level level{};
  moat::log::Format format{};
  CHECK(moat::log::parseLevel("warn", level));
  CHECK(level == moat::log::Level::Warn);
  CHECK_FALSE(moat::log::parseLevel("loud", level));
  CHECK(moat::log::parseFormat("json", format));
  CHECK_FALSE(moat::log::parseFormat("xml", format));
}
