#include "replicas/OwnerForwarder.h"

#include "log/Log.h"
#include "metrics/Counters.h"
#include "moat/json.hpp"
#include "moat/jsonrpc.hpp"
#include "replicas/ForwardedHeaders.h"

namespace moat::replicas {
namespace {

// Replicas come and go (a pod's address with them); past this many the pools start afresh.
constexpr size_t kMaxOwners = 256;

}  // namespace

OwnerForwarder::OwnerForwarder(const config::ServerConfig& server, const config::ReplicasConfig& replicas, std::shared_ptr<const ReplicaKey> key)
    : route_(server.name), upstream_(server.upstream), key_(std::move(key)) {
  upstream_.connectTimeoutMs = replicas.connectTimeoutMs;
}

void OwnerForwarder::forward(gateway::Exchange& exchange, const std::string& owner) {
  core::RequestContext& ctx = exchange.ctx;
  ForwardedRequest signed_;
  signed_.method = ctx.httpMethod;
  signed_.route = route_;
  signed_.session = ctx.upstreamHeaders.get("Mcp-Session-Id");
  signed_.subject = ctx.identitySubject;
  signed_.unixSeconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  signed_.body = &ctx.body;
  auto& headers = ctx.upstreamHeaders;
  headers.set(kRouteHeader, route_);
  if (ctx.identitySubject) headers.set(kSubjectHeader, json::quote(*ctx.identitySubject));
  else headers.erase(kSubjectHeader);
  headers.set(kTimeHeader, std::to_string(signed_.unixSeconds));
  headers.set(kSignatureHeader, key_->sign(signed_));
  metrics::add("replica_forwards");
  connectionTo(owner)->forward(exchange);
}

std::shared_ptr<gateway::StreamableHttpUpstream> OwnerForwarder::connectionTo(const std::string& owner) {
  std::lock_guard lock(mutex_);
  auto it = owners_.find(owner);
  if (it != owners_.end()) return it->second;
  if (owners_.size() >= kMaxOwners) owners_.clear();
  config::UpstreamConfig target = upstream_;
  target.url = owner + "/";
  auto upstream = std::make_shared<gateway::StreamableHttpUpstream>(
      target, [this, owner](gateway::Exchange& exchange, const std::string& reason) { ownerGone(exchange, owner, reason); });
  owners_.emplace(owner, upstream);
  return upstream;
}

void OwnerForwarder::ownerGone(gateway::Exchange& exchange, const std::string& owner, const std::string& reason) {
  log::warn("replicas", "the replica a session lived on is gone; the client must initialize again",
            {{"server", route_}, {"owner", owner}, {"reason", reason}});
  metrics::add("replica_owners_gone");
  exchange.sessions.forget(exchange.ctx.upstreamHeaders.get("Mcp-Session-Id"));
  exchange.sendError(404, jsonrpc::kNotFound, "unknown or ended session (the replica it lived on is gone); initialize again");
  {
    std::lock_guard lock(mutex_);
    owners_.erase(owner);  // its connections go with the last request holding it
  }
}

}  // namespace moat::replicas
