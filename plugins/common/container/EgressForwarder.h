// The only way out of a container on Moat's internal network: for each allowed host:port, a
// listener on the network's host-side address that relays TCP byte for byte to that host and
// port. The container reaches it under the host's own name (an /etc/hosts entry) and port (the
// HostFence redirects that port to the listener's), so TLS, SNI and any other TCP protocol pass
// unchanged; nothing else has a route out.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::container {

struct EgressRule {
  std::string host;
  uint16_t port = 0;
};

// "api.github.com:443" -> {host, port}; throws std::runtime_error naming the entry.
EgressRule parseEgressRule(const std::string& text);

class EgressForwarder {
 public:
  // Listens on bindAddress, one free port per rule; throws when a listener cannot be bound.
  EgressForwarder(Host host, std::string label, const std::string& bindAddress, const std::vector<EgressRule>& rules);
  ~EgressForwarder();
  // {the port the container dials, the listener's port}, one per rule.
  std::vector<std::pair<uint16_t, uint16_t>> redirects() const;
  EgressForwarder(const EgressForwarder&) = delete;
  EgressForwarder& operator=(const EgressForwarder&) = delete;

 private:
  void acceptLoop();
  void relay(int client, EgressRule rule);

  Host host_;
  std::string label_;
  std::vector<std::pair<int, EgressRule>> listeners_;
  int cancelRead_ = -1, cancelWrite_ = -1;
  std::thread acceptor_;
  std::mutex mutex_;
  std::condition_variable relayEnded_;
  int activeRelays_ = 0;  // detached relay threads still running
  std::atomic<bool> stopping_{false};
};

}  // namespace moat::container
