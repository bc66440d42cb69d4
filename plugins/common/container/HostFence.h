// Keeps containers on a Moat network away from the host itself. An internal network has no route
// out, but the host answers on the network's bridge address on every port a host service binds
// to all addresses; these iptables INPUT rules drop everything from the bridge except replies
// and the egress forwarder's listeners, and nat PREROUTING rules send the port a container dials
// (443 for api.github.com:443) to its listener's port. Rules carry a comment naming the network
// so a later gateway can remove what a killed one left.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moat::container {

class HostFence {
 public:
  // Throws std::runtime_error with iptables' own message when a rule cannot be added.
  // redirects: {port the container dials on `address`, the listener's port there}.
  HostFence(const std::string& bridgeInterface, const std::string& tag, const std::string& address,
            const std::vector<std::pair<uint16_t, uint16_t>>& redirects);
  ~HostFence();
  HostFence(const HostFence&) = delete;
  HostFence& operator=(const HostFence&) = delete;

  // Deletes every rule whose comment is `tag` (what a gateway that died left behind).
  static void removeTagged(const std::string& tag);

 private:
  std::vector<std::vector<std::string>> added_;  // table, chain and rule spec, for iptables -D
};

// The iptables rules for one bridge, each {"-t", TABLE, CHAIN, spec...}, first rule of a chain first.
std::vector<std::vector<std::string>> fenceRules(const std::string& bridgeInterface, const std::string& tag, const std::string& address,
                                                 const std::vector<std::pair<uint16_t, uint16_t>>& redirects);

}  // namespace moat::container
