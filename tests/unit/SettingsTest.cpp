// The SDK's settings reader: one duration syntax, typed values, and unknown keys named with the
// instance and the key that was probably meant.
#include <catch2/catch.hpp>

#include "moat/settings.hpp"

using namespace moat;

namespace {
json::Value parse(const char* text) { return json::parse(text); }
}  // namespace

TEST_CASE("durations: one syntax, bare numbers are milliseconds, except in keys named for seconds") {
  auto config = parse(R"({"a":"250ms","b":"30s","c":"5m","d":"1h","e":2,"f":"7","g":"4 s"})");
  CHECK(settings::durationMs(config, "a", 0) == 250);
  CHECK(settings::durationMs(config, "b", 0) == 30'000);
  CHECK(settings::durationMs(config, "c", 0) == 300'000);
  CHECK(settings::durationMs(config, "d", 0) == 3'600'000);
  CHECK(settings::durationMs(config, "e", 0) == 2);
  CHECK(settings::durationMs(config, "f", 0) == 7);
  CHECK(settings::durationMs(config, "g", 0) == 4'000);
  CHECK(settings::durationMs(config, "absent", 42) == 42);
  CHECK(settings::parseDurationMs("90s") == 90'000);
  CHECK_FALSE(settings::parseDurationMs("5 minutes").has_value());
  CHECK_FALSE(settings::parseDurationMs("-1s").has_value());
  CHECK_THROWS_WITH(settings::durationMs(parse(R"({"t":"5 minutes"})"), "t", 0),
                    "t: expected a duration such as 250ms, 30s or 5m (a bare number is milliseconds)");
  CHECK_THROWS_WITH(settings::durationMs(parse(R"({"t":-1})"), "t", 0), "t: must not be negative");

  auto seconds = parse(R"({"max_backoff_seconds":30,"connect_timeout_seconds":"15","x_seconds":"500ms"})");
  CHECK(settings::secondsMs(seconds, "max_backoff_seconds", 0) == 30'000);
  CHECK(settings::secondsMs(seconds, "connect_timeout_seconds", 0) == 15'000);
  CHECK(settings::secondsMs(seconds, "x_seconds", 0) == 500);
  CHECK(settings::secondsMs(seconds, "absent_seconds", 9) == 9);
}

TEST_CASE("an unknown key names the instance and the closest known key") {
  auto config = parse(R"({"isuser":"x"})");
  CHECK_THROWS_WITH(settings::checkKeys(config, {"issuer", "audience"}, "web/auth-oidc"),
                    "isuser: unknown key in web/auth-oidc (did you mean 'issuer'?)");
  CHECK_THROWS_WITH(settings::checkKeys(parse(R"({"zzz":1})"), {"issuer", "audience"}), "zzz: unknown key");
  CHECK_THROWS_WITH(settings::checkKeys(parse(R"({"netwrok":1})"), {"network", "hide"}, {}, "isolation."),
                    "isolation.netwrok: unknown key (did you mean 'network'?)");
  CHECK_THROWS_WITH(settings::checkKeys(parse("[]"), {"issuer"}), "configuration: must be a mapping");
  CHECK_NOTHROW(settings::checkKeys(parse(R"({"issuer":"x"})"), {"issuer"}));
}

TEST_CASE("typed values say what they expected") {
  auto config = parse(R"({"s":"a b,c","n":3,"b":true,"l":["x"]})");
  CHECK(settings::list(config, "s") == std::vector<std::string>{"a", "b", "c"});
  CHECK(settings::list(config, "l") == std::vector<std::string>{"x"});
  CHECK(settings::count(config, "n", 0) == 3);
  CHECK(settings::flag(config, "b", false));
  CHECK_THROWS_WITH(settings::text(config, "n"), "n: expected a string");
  CHECK_THROWS_WITH(settings::required(config, "missing", "the IdP's URL"), "missing: required: the IdP's URL");
  CHECK_THROWS_WITH(settings::flag(config, "s", false), "s: expected true or false");
}
