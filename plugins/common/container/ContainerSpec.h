// What the host asks a container runtime to run (the workload spec JSON of abi.h, with an
// image), and the Docker Engine API body that creates it with Moat's isolation defaults:
// no capabilities, no new privileges, a read-only root with a private /tmp, a non-root user
// unless the image names one, memory/CPU/process limits, and no network unless asked for.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::container {

struct Volume {
  std::string source;  // host path
  std::string target;  // path in the container
  bool writable = false;
};

struct ContainerIsolation {
  bool network = false;  // false: network mode none
  int64_t memoryBytes = 512ll << 20;
  double cpus = 1.0;
  int64_t pids = 256;
  std::string user;      // empty: the image's user, or 65534:65534 when the image runs as root
  bool readOnlyRoot = true;
  int64_t tmpfsBytes = 64ll << 20;
  std::vector<std::string> egress;  // HOST:PORT the container may reach (through the forwarder)
};

struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> entrypoint;  // empty: the image's
  std::vector<std::string> args;        // the command (Cmd); empty: the image's
  std::vector<std::pair<std::string, std::string>> env;
  std::string workdir;
  bool stdio = true;
  std::string transport = "stdio";
  int targetPort = 0;  // HTTP servers: the port the server listens on inside the container
  ContainerIsolation isolation;
  std::vector<Volume> volumes;
};

// Throws std::runtime_error naming the key ("isolation.memory: ...").
ContainerSpec parseContainerSpec(std::string_view specJson);

// "512m", "1g", "65536k" or a number of bytes.
int64_t parseByteSize(const std::string& text, const std::string& key);

struct CreateOptions {
  std::map<std::string, std::string> labels;
  std::string imageUser;  // the image's configured user (empty: root)
  uint64_t openFiles = 4096;
  uint64_t processes = 4096;
  std::string networkMode;               // empty: none, or bridge when isolation.network
  std::vector<std::string> extraHosts;  // "name:address" lines for the container's /etc/hosts
};

// The JSON body of POST /containers/create.
std::string createContainerBody(const ContainerSpec& spec, const CreateOptions& options);

}  // namespace moat::container
