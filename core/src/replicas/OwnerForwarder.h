// One route's way to the sessions that live on other replicas (in their stdio processes,
// containers or upstream streams): a request for one, its pipeline already run here, is signed
// with the replicas' key and sent to the owner's internal listener, whose answer streams back
// as it comes. An owner that cannot be reached is gone with its sessions: the client gets 404,
// MCP's answer for a session that ended, so it initializes again, and the binding is forgotten.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/Config.h"
#include "replicas/ReplicaKey.h"
#include "server/Exchange.h"
#include "upstream/StreamableHttpUpstream.h"

namespace moat::replicas {

class OwnerForwarder {
 public:
  OwnerForwarder(const config::ServerConfig& server, const config::ReplicasConfig& replicas, std::shared_ptr<const ReplicaKey> key);

  // `owner` is the internal URL the session's binding names.
  void forward(gateway::Exchange& exchange, const std::string& owner);

 private:
  std::shared_ptr<gateway::StreamableHttpUpstream> connectionTo(const std::string& owner);
  void ownerGone(gateway::Exchange& exchange, const std::string& owner, const std::string& reason);

  std::string route_;
  config::UpstreamConfig upstream_;  // the route's timeouts, the replicas' connect timeout
  std::shared_ptr<const ReplicaKey> key_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<gateway::StreamableHttpUpstream>> owners_;
};

}  // namespace moat::replicas
