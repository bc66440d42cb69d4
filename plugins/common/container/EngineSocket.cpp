#include "container/EngineSocket.h"

#include <stdexcept>

namespace moat::container {
namespace {

EngineSocket fromAddress(const std::string& address, const std::string& origin) {
  constexpr std::string_view kUnix = "unix://";
  if (address.rfind(kUnix, 0) == 0) return {address.substr(kUnix.size()), origin};
  if (!address.empty() && address[0] == '/') return {address, origin};
  throw std::runtime_error(origin + " is '" + address + "': only a unix socket (unix:///path) is supported; " +
                           "for a remote engine, forward its socket locally (ssh -L /tmp/engine.sock:/var/run/docker.sock host)");
}

}  // namespace

std::string engineName(Engine engine) { return engine == Engine::Docker ? "docker" : "podman"; }

EngineSocket chooseEngineSocket(Engine engine, const std::string& configured, const EnvLookup& env, const PathExists& exists) {
  if (!configured.empty()) return fromAddress(configured, "the runtime's socket setting");
  const char* variable = engine == Engine::Docker ? "DOCKER_HOST" : "CONTAINER_HOST";
  if (auto value = env(variable); value && !value->empty()) return fromAddress(*value, variable);
  if (engine == Engine::Docker) return {"/var/run/docker.sock", "the default"};
  // Rootless podman first (the user's own service), then the system one.
  if (auto runtimeDir = env("XDG_RUNTIME_DIR"); runtimeDir && !runtimeDir->empty()) {
    std::string rootless = *runtimeDir + "/podman/podman.sock";
    if (exists(rootless)) return {rootless, "the default (rootless)"};
  }
  return {"/run/podman/podman.sock", "the default"};
}

}  // namespace moat::container
