// runtime-docker: MCP servers in containers run by dockerd, through the Docker Engine API.
#include "container/ContainerRuntime.h"

namespace {

class DockerRuntime : public moat::container::ContainerRuntime {
 public:
  DockerRuntime(const moat::Host& host, const moat::json::Value& config)
      : ContainerRuntime(moat::container::Engine::Docker, host, config) {}
};

}  // namespace

MOAT_RUNTIME_PLUGIN("runtime-docker", "0.1.0", "runs MCP servers in isolated Docker containers (Docker Engine API over its unix socket)",
                    DockerRuntime)
