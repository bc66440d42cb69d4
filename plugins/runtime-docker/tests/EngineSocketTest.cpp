#include <catch2/catch.hpp>

#include <map>

#include "container/EngineSocket.h"

using namespace moat::container;

namespace {

EnvLookup envOf(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

bool nothingExists(const std::string&) { return false; }

}  // namespace

TEST_CASE("the configured socket wins, then the engine's variable, then the default") {
  CHECK(chooseEngineSocket(Engine::Docker, "unix:///srv/d.sock", envOf({{"DOCKER_HOST", "unix:///x"}}), nothingExists).path == "/srv/d.sock");
  auto fromEnv = chooseEngineSocket(Engine::Docker, "", envOf({{"DOCKER_HOST", "unix:///run/user/1/docker.sock"}}), nothingExists);
  CHECK(fromEnv.path == "/run/user/1/docker.sock");
  CHECK(fromEnv.origin == "DOCKER_HOST");
  CHECK(chooseEngineSocket(Engine::Docker, "", envOf({}), nothingExists).path == "/var/run/docker.sock");
  CHECK(chooseEngineSocket(Engine::Podman, "", envOf({{"CONTAINER_HOST", "unix:///p.sock"}, {"DOCKER_HOST", "unix:///d.sock"}}), nothingExists).path == "/p.sock");
}

TEST_CASE("podman prefers the user's rootless socket when it exists") {
  auto env = envOf({{"XDG_RUNTIME_DIR", "/run/user/1000"}});
  CHECK(chooseEngineSocket(Engine::Podman, "", env, [](const std::string& p) { return p == "/run/user/1000/podman/podman.sock"; }).path ==
        "/run/user/1000/podman/podman.sock");
  CHECK(chooseEngineSocket(Engine::Podman, "", env, nothingExists).path == "/run/podman/podman.sock");
}

TEST_CASE("a remote engine address is refused with where it came from") {
  CHECK_THROWS_WITH(chooseEngineSocket(Engine::Docker, "", envOf({{"DOCKER_HOST", "tcp://10.0.0.1:2375"}}), nothingExists),
                    Catch::Contains("DOCKER_HOST is 'tcp://10.0.0.1:2375'") && Catch::Contains("only a unix socket"));
}
