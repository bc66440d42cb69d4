#include "upstream/SharedSessions.h"

#include <algorithm>
#include <array>

#include "log/Log.h"

namespace moat::gateway {
namespace {

constexpr std::array<std::string_view, 8> kLogLevels = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

}  // namespace

int logLevelRank(std::string_view level) {
  for (size_t i = 0; i < kLogLevels.size(); ++i)
    if (kLogLevels[i] == level) return static_cast<int>(i);
  return -1;
}

std::string_view logLevelName(int rank) { return rank >= 0 && rank < static_cast<int>(kLogLevels.size()) ? kLogLevels[rank] : ""; }

std::shared_ptr<SharedSession> SharedSessions::find(const std::string& id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  it->second->lastActive = std::chrono::steady_clock::now();
  return it->second;
}

SharedSessions::Left SharedSessions::remove(SharedSession& session) {
  Left left;
  sessions_.erase(session.id);
  for (const auto& uri : session.subscriptions) {
    auto it = subscriptionCounts_.find(uri);
    if (it == subscriptionCounts_.end()) continue;
    if (--it->second <= 0) {
      subscriptionCounts_.erase(it);
      left.unsubscribe.push_back(uri);
    }
  }
  session.subscriptions.clear();
  session.logRank = -1;
  int rank = effectiveLogRank();
  if (rank >= 0 && rank != processLogRank_) {
    processLogRank_ = rank;
    left.logRank = rank;
  }
  std::lock_guard<std::mutex> lock(session.mutex);
  session.closed = true;
  session.changed.notify_all();
  return left;
}

std::vector<std::shared_ptr<SharedSession>> SharedSessions::takeIdle(std::chrono::steady_clock::time_point cutoff) {
  std::vector<std::shared_ptr<SharedSession>> idle;
  for (const auto& [id, session] : sessions_) {
    bool busy = std::any_of(open_.begin(), open_.end(), [&](const auto& e) { return e.second == session; });
    bool streaming = false;
    {
      std::lock_guard<std::mutex> lock(session->mutex);
      streaming = session->getStreamOpen;
    }
    if (!busy && !streaming && session->lastActive < cutoff) idle.push_back(session);
  }
  return idle;
}

void SharedSessions::closeAll() {
  for (auto& [id, session] : sessions_) {
    std::lock_guard<std::mutex> lock(session->mutex);
    session->closed = true;
    session->changed.notify_all();
  }
  sessions_.clear();
}

bool SharedSessions::subscribe(SharedSession& session, const std::string& uri) {
  if (!session.subscriptions.insert(uri).second) return false;
  return subscriptionCounts_[uri]++ == 0;
}

bool SharedSessions::unsubscribe(SharedSession& session, const std::string& uri) {
  if (!session.subscriptions.erase(uri)) return false;
  if (--subscriptionCounts_[uri] > 0) return false;
  subscriptionCounts_.erase(uri);
  return true;
}

std::optional<int> SharedSessions::setLogLevel(SharedSession& session, int rank) {
  session.logRank = rank;
  int effective = effectiveLogRank();
  if (effective == processLogRank_) return std::nullopt;
  processLogRank_ = effective;
  return effective;
}

std::vector<std::string> SharedSessions::subscribedUris() const {
  std::vector<std::string> uris;
  for (const auto& [uri, count] : subscriptionCounts_)
    if (count > 0) uris.push_back(uri);
  return uris;
}

void SharedSessions::opened(const std::shared_ptr<PendingRequest>& request, const std::shared_ptr<SharedSession>& session) {
  open_.emplace_back(request, session);
}

void SharedSessions::closed(const std::shared_ptr<PendingRequest>& request) {
  open_.erase(std::remove_if(open_.begin(), open_.end(), [&](const auto& e) { return e.first == request; }), open_.end());
}

std::shared_ptr<PendingRequest> SharedSessions::latestOpen(std::shared_ptr<SharedSession>* owner) const {
  if (open_.empty()) return nullptr;
  if (owner) *owner = open_.back().second;
  return open_.back().first;
}

void SharedSessions::deliver(SharedSession& session, const std::string& message) {
  std::lock_guard<std::mutex> lock(session.mutex);
  if (session.closed) return;
  if (session.outbound.size() >= kMaxQueuedMessages) {
    log::error("stdio", "client is not reading its GET stream; closing the session", {{"server", serverName_}});
    session.closed = true;
  } else {
    session.outbound.push_back(message);
  }
  session.changed.notify_all();
}

void SharedSessions::broadcast(const std::string& message, int rank) {
  for (auto& [id, session] : sessions_)
    if (rank < 0 || session->logRank < 0 || rank >= session->logRank) deliver(*session, message);
}

bool SharedSessions::toOpenRequests(const std::string& message, int rank) {
  // Newest first, so each session gets it once, on its most recent open request.
  std::set<const SharedSession*> served;
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    const SharedSession* session = it->second.get();
    if (!served.insert(session).second) continue;
    if (rank >= 0 && session->logRank >= 0 && rank < session->logRank) continue;
    it->first->messages.push_back(message);
  }
  return !served.empty();
}

void SharedSessions::toSubscribers(const std::string& uri, const std::string& message) {
  for (auto& [id, session] : sessions_)
    if (session->subscriptions.count(uri)) deliver(*session, message);
}

bool SharedSessions::toAListener(const std::string& message) {
  for (auto& [id, session] : sessions_) {
    bool listening = false;
    {
      std::lock_guard<std::mutex> lock(session->mutex);
      listening = session->getStreamOpen;
    }
    if (listening) {
      deliver(*session, message);
      return true;
    }
  }
  return false;
}

int SharedSessions::effectiveLogRank() const {
  int rank = -1;
  for (const auto& [id, session] : sessions_)
    if (session->logRank >= 0 && (rank < 0 || session->logRank < rank)) rank = session->logRank;
  return rank;
}

}  // namespace moat::gateway
