// tunnel-ngrok's reading of ngrok's provider arguments and of the agent's log. The agent itself
// is driven end to end in tests/integration/tunnel.test.mjs (a stand-in, and ngrok's cloud when
// NGROK_AUTHTOKEN is set).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "NgrokTunnel.h"
#include "moat/testing.hpp"

using namespace moat;
using namespace moat::tunnel;

TEST_CASE("tunnel-ngrok: the public URL comes from the agent's started-tunnel log line", "[ngrok]") {
  CHECK(startedTunnelUrl(R"(t=2026-11-26T20:00:00+0000 lvl=info msg="started tunnel" obj=tunnels name=command_line addr=http://127.0.0.1:8080 url=https://a1b2.ngrok-free.app)") ==
        std::optional<std::string>("https://a1b2.ngrok-free.app"));
  CHECK_FALSE(startedTunnelUrl(R"(t=2026-11-26T20:00:00+0000 lvl=info msg="tunnel session started" obj=tunnels.session)"));
  CHECK_FALSE(startedTunnelUrl(R"(lvl=info msg="started tunnel" url=tcp://0.tcp.ngrok.io:1234)"));
}

TEST_CASE("tunnel-ngrok: ToolHive's provider arguments", "[ngrok]") {
  moat::testing::FakeHost host;
  host.files["/run/secrets/ngrok"] = "tok-123\n";
  auto s = readNgrokSettings(host.host(), json::parse(R"({"auth-token-file":"/run/secrets/ngrok","url":"tools.ngrok.app","pooling":true})"));
  CHECK(s.authToken == "tok-123");
  CHECK(s.url == "https://tools.ngrok.app");
  CHECK(s.pooling);
  auto error = [&](const char* config) {
    try {
      readNgrokSettings(host.host(), json::parse(config));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK_THAT(error(R"({"pooling":true})"), Catch::StartsWith("pooling: pooling shares a reserved url"));
  CHECK_THAT(error(R"({"auth-token":"a","auth-token-file":"/run/secrets/ngrok"})"), Catch::StartsWith("auth-token: give auth-token or"));
  CHECK_THAT(error(R"({"traffic-policy-file":"/nonexistent.yml"})"), Catch::StartsWith("traffic-policy-file: cannot read"));
  CHECK_THAT(error(R"({"authtoken":"a"})"), Catch::StartsWith("authtoken: unknown key in test/plugin (did you mean 'auth-token'?)"));
  CHECK(error("{}") == "(accepted)");
}
