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
  for (const auto& [level, line] : host.logged()) logged = logged || line == "echoer: started";
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

namespace {
// Runs a shell script in the runtime and returns everything it printed.
std::string runScript(ProcessRuntime& runtime, const std::string& isolationJson, const std::string& script) {
  std::string spec = R"({"name":"iso","command":"sh","args":["-c",)" + moat::json::quote(script) + R"(],"isolation":)" + isolationJson + "}";
  std::string id = idOf(runtime.start(spec));
  auto [in, out] = runtime.attachStdio(id);
  ::close(in);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  ::close(out);
  runtime.remove(id);
  return text;
}
}  // namespace

TEST_CASE("isolation: read-only host, private /tmp, no network unless allowed, writable paths writable") {
  FakeHost host;
  ProcessRuntime runtime(host.host(), moat::json::Value::makeObject());
  char dir[] = "/tmp/moat-iso-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string work = dir;
  const std::string hostFile = work + "/from-host";
  REQUIRE(std::system(("echo visible > " + hostFile).c_str()) == 0);

  std::string sandboxed = runScript(runtime, "{}",
      "touch /usr/moat-escape 2>/dev/null && echo wrote-usr || echo usr-read-only; "
      "ls /tmp | wc -l | tr -d ' '; "
      "grep -c : /proc/net/dev");
  CHECK(sandboxed == "usr-read-only\n0\n1\n");  // nothing in /tmp; only lo in /proc/net/dev

  std::string networked = runScript(runtime, R"({"network":true})", "grep -c : /proc/net/dev");
  CHECK(std::stoi(networked) >= 2);  // lo and the host's interfaces

  std::string writable = runScript(runtime, R"({"writable":[")" + work + R"("]})", "echo from-sandbox > " + work + "/out && cat " + hostFile);
  CHECK(writable == "visible\n");
  CHECK(std::system(("grep -q from-sandbox " + work + "/out").c_str()) == 0);

  std::string hidden = runScript(runtime, R"({"hide":[")" + work + R"("]})", "ls " + work + " | wc -l | tr -d ' '");
  CHECK(hidden == "0\n");
  // The private /tmp covers the directory; readable brings it back, read-only.
  std::string readable = runScript(runtime, R"({"readable":[")" + work + R"("]})",
                                   "cat " + hostFile + "; touch " + work + "/x 2>/dev/null && echo writable || echo read-only");
  CHECK(readable == "visible\nread-only\n");

  CHECK_THROWS_WITH(runtime.start(R"({"command":"true","isolation":{"netwrok":false}})"), Catch::Contains("isolation.netwrok: unknown key"));
  CHECK_THROWS_WITH(runtime.start(R"({"command":"true","isolation":{"writable":["relative"]}})"), Catch::Contains("absolute"));
  std::system(("rm -rf " + work).c_str());
}
