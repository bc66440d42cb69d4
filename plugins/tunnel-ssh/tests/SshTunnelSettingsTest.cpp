// The ssh command line tunnel-ssh runs, and its argument errors. The tunnel itself is tested
// end to end against a real sshd (tests/integration/tunnel.test.mjs).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>

#include "SshTunnelSettings.h"

using namespace moat;
using namespace moat::tunnel;

namespace {

std::string readableFile() {
  static const std::string path = [] {
    std::string p = "/tmp/moat-ssh-settings-test-" + std::to_string(::getpid());
    std::FILE* f = std::fopen(p.c_str(), "w");
    std::fclose(f);
    return p;
  }();
  return path;
}

std::string error(const std::string& config) {
  try {
    readSshTunnelSettings(json::parse(config));
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("tunnel-ssh: the ssh command checks the host key, never prompts, and fails on a taken port", "[ssh]") {
  auto s = readSshTunnelSettings(json::parse(R"({"host":"bastion.example.com","port":2222,"user":"tunnel","identity_file":")" +
                                             readableFile() + R"(","known_hosts_file":")" + readableFile() + R"(","remote_port":8443})"));
  CHECK(s.publicUrl == "http://bastion.example.com:8443");
  auto command = sshCommand(s, "127.0.0.1", 9000);
  std::string line;
  for (const auto& a : command) line += a + " ";
  CHECK(line == "ssh -N -v -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + readableFile() +
                    " -o IdentitiesOnly=yes -o ExitOnForwardFailure=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=3"
                    " -o ConnectTimeout=15 -i " + readableFile() + " -p 2222 -R 127.0.0.1:8443:127.0.0.1:9000 tunnel@bastion.example.com ");
}

TEST_CASE("tunnel-ssh: argument errors name the argument", "[ssh]") {
  const std::string files = R"("identity_file":")" + readableFile() + R"(","known_hosts_file":")" + readableFile() + R"(")";
  CHECK_THAT(error(R"({"user":"u","remote_port":1})"), Catch::StartsWith("host: required"));
  CHECK_THAT(error(R"({"host":"h","remote_port":1,)" + files + "}"), Catch::StartsWith("user: required"));
  CHECK_THAT(error(R"({"host":"h","user":"u",)" + files + "}"), Catch::StartsWith("remote_port: required"));
  CHECK_THAT(error(R"({"host":"h","user":"u","remote_port":70000,)" + files + "}"), Catch::StartsWith("remote_port: expected a port number"));
  CHECK_THAT(error(R"({"host":"h","user":"u","remote_port":1,"identity_file":"/nonexistent/key"})"),
             Catch::StartsWith("identity_file: cannot read /nonexistent/key"));
  CHECK_THAT(error(R"({"host":"h","user":"u","remote_port":1,"public_url":"ftp://x",)" + files + "}"), Catch::StartsWith("public_url:"));
  CHECK_THAT(error(R"({"host":"h","user":"u","remote_port":1,"password":"x",)" + files + "}"), Catch::StartsWith("password: unknown key"));
}
