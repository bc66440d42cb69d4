#include "upstream/IdRewriter.h"

#include "moat/jsonrpc.hpp"

namespace moat::gateway {

std::string IdRewriter::newId(const char* prefix) { return json::quote(prefix + std::to_string(++counter_)); }

std::string IdRewriter::track(json::Value& message, Waiter waiter) {
  const std::string ours = newId("moat-");
  message.mutableMembers()["id"] = json::parse(ours);
  Tracked tracked{std::move(waiter), ""};
  auto& members = message.mutableMembers();
  auto params = members.find("params");
  if (params != members.end() && params->second.isObject()) {
    auto& fields = params->second.mutableMembers();
    auto meta = fields.find("_meta");
    if (meta != fields.end() && meta->second.isObject() && meta->second.find("progressToken")) {
      std::string token = newId("moat-progress-");
      progress_[token] = Progress{tracked.waiter.request, json::write(*meta->second.find("progressToken"))};
      meta->second.mutableMembers()["progressToken"] = json::parse(token);
      tracked.progressToken = token;
    }
  }
  pending_[ours] = std::move(tracked);
  return ours;
}

void IdRewriter::expect(const std::string& idJson, Waiter waiter) { pending_[idJson] = Tracked{std::move(waiter), ""}; }

std::optional<IdRewriter::Waiter> IdRewriter::answered(const std::string& idJson) {
  auto it = pending_.find(idJson);
  if (it == pending_.end()) return std::nullopt;
  Tracked tracked = std::move(it->second);
  pending_.erase(it);
  if (!tracked.progressToken.empty()) progress_.erase(tracked.progressToken);
  return std::move(tracked.waiter);
}

void IdRewriter::forget(const std::string& idJson, const std::shared_ptr<PendingRequest>& request) {
  auto it = pending_.find(idJson);
  if (it == pending_.end() || it->second.waiter.request != request) return;
  if (!it->second.progressToken.empty()) progress_.erase(it->second.progressToken);
  pending_.erase(it);
}

std::string IdRewriter::idFor(const std::shared_ptr<SharedSession>& session, const std::string& clientIdJson) const {
  for (const auto& [ours, tracked] : pending_)
    if (tracked.waiter.session == session && tracked.waiter.clientIdJson == clientIdJson) return ours;
  return "";
}

std::shared_ptr<PendingRequest> IdRewriter::progress(json::Value& params) {
  const json::Value* token = params.find("progressToken");
  auto it = token ? progress_.find(json::write(*token)) : progress_.end();
  if (it == progress_.end()) return nullptr;
  params.mutableMembers()["progressToken"] = json::parse(it->second.clientTokenJson);
  return it->second.request;
}

std::string IdRewriter::trackServerRequest(json::Value& message) {
  const std::string ours = newId("moat-server-");
  serverRequests_[ours] = jsonrpc::idJson(message);
  message.mutableMembers()["id"] = json::parse(ours);
  return ours;
}

bool IdRewriter::restoreServerRequest(json::Value& answer) {
  auto it = serverRequests_.find(jsonrpc::idJson(answer));
  if (it == serverRequests_.end()) return false;
  answer.mutableMembers()["id"] = json::parse(it->second);
  serverRequests_.erase(it);
  return true;
}

std::vector<IdRewriter::Waiter> IdRewriter::takeAll() {
  std::vector<Waiter> waiters;
  for (auto& [id, tracked] : pending_) waiters.push_back(std::move(tracked.waiter));
  pending_.clear();
  progress_.clear();
  serverRequests_.clear();
  return waiters;
}

}  // namespace moat::gateway
