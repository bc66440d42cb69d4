// Upstream to an MCP server that speaks HTTP (streamable HTTP or legacy SSE) inside a container
// a runtime plugin runs. The container is started when the gateway starts and reached at its
// own address on its private network; requests go through the ordinary HTTP upstream to that
// address. A supervisor thread watches it: a container that exits is removed and a new one
// started (at once, then with backoff), and requests meanwhile wait for it up to the route's
// timeout, then get a JSON-RPC error. Sessions do not survive a restart (the server's state is
// gone with its container): clients get 404 and initialize again.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/Config.h"
#include "upstream/Upstream.h"
#include "runtime/RuntimeClient.h"

namespace moat::gateway {

class ContainerHttpUpstream : public Upstream {
 public:
  ContainerHttpUpstream(const config::ServerConfig& server, std::unique_ptr<core::RuntimeClient> runtime);
  ~ContainerHttpUpstream() override;

  void forward(Exchange& exchange) override;
  bool sessionsLiveHere() const override { return true; }
  void shutdown() override;
  std::string health() const override;

 private:
  enum class State { Starting, Up, Restarting, Failed, Stopped };
  void supervise();
  // Starts a container and waits until its port answers; returns the HTTP upstream for it.
  std::shared_ptr<Upstream> startContainer(std::string& workload);
  bool waitForExit(const std::string& workload);  // false when stopping
  void discard(const std::string& workload);

  config::ServerConfig server_;
  std::unique_ptr<core::RuntimeClient> runtime_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  State state_ = State::Starting;
  std::shared_ptr<Upstream> inner_;
  std::string workload_;
  std::string lastFailure_;
  int restarts_ = 0;
  bool stopping_ = false;
  std::thread supervisor_;
};

}  // namespace moat::gateway
