// runtime-podman: MCP servers in containers run by Podman, through its Docker-compatible API
// (`podman system service`); the same code as runtime-docker with Podman's socket defaults.
#include "container/ContainerRuntime.h"

namespace {

class PodmanRuntime : public moat::container::ContainerRuntime {
 public:
  PodmanRuntime(const moat::Host& host, const moat::json::Value& config)
      : ContainerRuntime(moat::container::Engine::Podman, host, config) {}
};

}  // namespace

MOAT_RUNTIME_PLUGIN("runtime-podman", "0.1.0", "runs MCP servers in isolated Podman containers (Podman's Docker-compatible API)",
                    PodmanRuntime)
