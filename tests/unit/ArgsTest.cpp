#include <catch2/catch.hpp>

#include "cli/Args.h"

using namespace moat::cli;

namespace {
const CommandSpec kSpec{"serve", "s", "u", {{"config", "FILE", "c"}, {"verbose", "", "v"}}};
}

TEST_CASE("flags with values, inline values and booleans") {
  auto a = parseArgs(kSpec, {"--config", "a.yaml", "--verbose", "rest"});
  CHECK(a.get("config") == "a.yaml");
  CHECK(a.has("verbose"));
  CHECK(a.positional == std::vector<std::string>{"rest"});
  CHECK(parseArgs(kSpec, {"--config=b.yaml"}).get("config") == "b.yaml");
}

TEST_CASE("unknown and incomplete flags are usage errors") {
  CHECK_THROWS_WITH(parseArgs(kSpec, {"--colour"}), Catch::Contains("unknown flag --colour"));
  CHECK_THROWS_WITH(parseArgs(kSpec, {"--config"}), Catch::Contains("needs a value"));
  CHECK_THROWS_WITH(parseArgs(kSpec, {"--verbose=yes"}), Catch::Contains("takes no value"));
}

TEST_CASE("everything after -- is positional") {
  auto a = parseArgs(kSpec, {"--", "--config", "x"});
  CHECK(a.positional == std::vector<std::string>{"--config", "x"});
}

TEST_CASE("help lists every flag") {
  std::string help = helpText(kSpec);
  CHECK_THAT(help, Catch::Contains("--config FILE") && Catch::Contains("--verbose"));
}
