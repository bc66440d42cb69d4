// Real child processes (sh, cat) driven through the runtime with the SDK's fake host.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <unistd.h>

#include "ProcessRuntime.h"
#include "moat/testing.hpp"

using moat::testing::FakeHost;

namespace {
std::string idOf(const std::string& state) { return moat::json::parse(state).stringOr("id", ""); }
std::string stateOf(const std::string& state) { return moat::json::parse(state).stringOr("state", ""); }
}  // namespace

TEST_CASE("stdin and stdout reach the process and stderr goes to the log") {
  FakeHost host;
  ProcessRuntime runtime(host.host(), moat::json::Value::makeObject());
  std::string id = idOf(runtime.start(R"({"name":"echoer","command":"sh","args":["-c","echo started >&2; cat"]})"));
  auto [in, out] = runtime.attachStdio(id);
  REQUIRE(::write(in, "ping\n", 5) == 5);
  char buffer[16] = {};
  REQUIRE(::read(out, buffer, sizeof buffer) == 5);
  CHECK(std::string(buffer, 5) == "ping\n");
  ::close(in);  // EOF on stdin: cat exits
  ::close(out);
  runtime.stop(id, 2000);
  CHECK(stateOf(runtime.inspect(id)) == "exited");
  runtime.remove(id);
  bool logged = false;
  for (const auto& [level, line] : host.logs) logged = logged || line == "echoer: started";
  CHECK(logged);
  CHECK_THROWS_WITH(runtime.inspect(id), Catch::Contains("no workload"));
}

TEST_CASE("a process that ignores SIGTERM is killed after the timeout") {
  FakeHost host;
  ProcessRuntime runtime(host.host(), moat::json::Value::makeObject());
  std::string id = idOf(runtime.start(R"({"name":"stubborn","command":"sh","args":["-c","trap '' TERM; sleep 30"]})"));
  ::usleep(200000);
  runtime.stop(id, 300);
  auto state = moat::json::parse(runtime.inspect(id));
  CHECK(state.stringOr("state", "") == "exited");
  CHECK(state.find("signal")->asNumber() == 9);
}

TEST_CASE("environment and working directory are applied and a missing command is a clear error") {
  FakeHost host;
  ProcessRuntime runtime(host.host(), moat::json::Value::makeObject());
  std::string id = idOf(runtime.start(R"json({"name":"env","command":"sh","args":["-c","echo $MOAT_T:$(pwd)"],"env":{"MOAT_T":"yes"},"workdir":"/tmp"})json"));
  auto [in, out] = runtime.attachStdio(id);
  char buffer[64] = {};
  ssize_t n = ::read(out, buffer, sizeof buffer);
  CHECK(std::string(buffer, static_cast<size_t>(n)) == "yes:/tmp\n");
  ::close(in);
  ::close(out);
  runtime.remove(id);
  CHECK_THROWS_WITH(runtime.start(R"({"command":"/nonexistent/server"})"), Catch::Contains("cannot start /nonexistent/server"));
}
