// Which unix socket the Docker Engine API (dockerd, or Podman's compatible service) listens on:
// the plugin's `socket` setting, else the engine's environment variable, else the usual paths.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::container {

enum class Engine { Docker, Podman };

struct EngineSocket {
  std::string path;    // filesystem path of the unix socket
  std::string origin;  // where it came from, for error messages: "DOCKER_HOST", "default", ...
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
using PathExists = std::function<bool(const std::string&)>;

// Throws std::runtime_error for a non-unix address (tcp://, ssh://), naming where it came from.
EngineSocket chooseEngineSocket(Engine engine, const std::string& configured, const EnvLookup& env, const PathExists& exists);

std::string engineName(Engine engine);  // "docker" or "podman"

}  // namespace moat::container
