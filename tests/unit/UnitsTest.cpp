#include <catch2/catch.hpp>

#include "config/Units.h"

using namespace moat::config;

TEST_CASE("durations") {
  CHECK(parseDurationMs("250ms") == 250);
  CHECK(parseDurationMs("30s") == 30000);
  CHECK(parseDurationMs("2m") == 120000);
  CHECK(parseDurationMs("1500") == 1500);
  CHECK_FALSE(parseDurationMs("soon"));
  CHECK_FALSE(parseDurationMs("5 fortnights"));
}

TEST_CASE("sizes") {
  CHECK(parseBytes("4MiB") == 4u << 20);
  CHECK(parseBytes("512KiB") == 512u << 10);
  CHECK(parseBytes("100") == 100);
  CHECK_FALSE(parseBytes("lots"));
}
