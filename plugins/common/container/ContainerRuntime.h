// A runtime plugin over the Docker Engine API: each workload is one container, created with
// Moat's isolation defaults, labelled as Moat's, attached before it starts (stdio servers) and
// removed with everything the engine made for it. runtime-docker and runtime-podman are this
// class with a different engine (Podman through its Docker-compatible API).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "container/AttachedStdio.h"
#include "container/EgressForwarder.h"
#include "container/EngineClient.h"
#include "container/HostFence.h"
#include "moat/plugin.hpp"

namespace moat::container {

class ContainerRuntime : public Runtime {
 public:
  // config: {"socket": "unix:///path", "npx_node": "node"}. Throws when the engine is not
  // reachable, in one line that says which socket was tried and why.
  ContainerRuntime(Engine engine, const Host& host, const json::Value& config);
  ~ContainerRuntime() override;

  std::string start(std::string_view specJson) override;
  void stop(std::string_view id, uint32_t timeoutMs) override;
  std::string inspect(std::string_view id) override;
  void remove(std::string_view id) override;
  std::string list() override;
  void logs(std::string_view id, bool follow, moat_sink* out) override;
  std::pair<int, int> attachStdio(std::string_view id) override;

 private:
  // What Moat made for one container besides the container itself.
  struct Workload {
    std::unique_ptr<AttachedStdio> stdio;
    std::string network;  // its private internal network, or empty
    std::unique_ptr<HostFence> fence;
    std::unique_ptr<EgressForwarder> egress;
  };
  // An internal network of its own, fenced off the host, with the egress forwarder: for HTTP
  // servers (the gateway must reach them) and egress allowlists. Fills `options` for create.
  void preparePrivateNetwork(const std::string& name, const struct ContainerSpec& spec, struct CreateOptions& options, Workload& workload);
  void release(const std::string& name, Workload& workload);
  // The image to run, built (npx://) or pulled when the engine lacks it; returns its user.
  std::string prepareImage(struct ContainerSpec& spec);
  void removeOrphans();

  Host host_;
  EngineClient engine_;
  std::string npxNode_;
  std::mutex mutex_;
  std::mutex imageMutex_;  // one image build or pull at a time
  std::map<std::string, Workload> workloads_;
  unsigned long counter_ = 0;
};

}  // namespace moat::container
