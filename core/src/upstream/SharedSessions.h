// The client sessions that share one stdio server process (`mode: shared`): which exist, what each
// subscribed to and at which level it logs, which of their requests are open, and delivery of
// the server's messages to the right sessions. Not thread-safe: the bridge calls it with its own
// lock held (a session's message queue has its own mutex besides).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "upstream/PendingRequest.h"
#include "upstream/SessionStream.h"

namespace moat::gateway {

struct SharedSession : ServerMessageQueue {
  std::string id;
  std::set<std::string> subscriptions;
  int logRank = -1;  // -1: the session never set a level and receives every message
  std::chrono::steady_clock::time_point lastActive = std::chrono::steady_clock::now();
};

// MCP log levels, least severe first; -1 when `level` is not one of them.
int logLevelRank(std::string_view level);
std::string_view logLevelName(int rank);

class SharedSessions {
 public:
  // A session that does not read its GET stream is closed past this many queued messages.
  static constexpr size_t kMaxQueuedMessages = 1024;

  explicit SharedSessions(std::string serverName) : serverName_(std::move(serverName)) {}

  void add(std::shared_ptr<SharedSession> session) { sessions_[session->id] = std::move(session); }
  // The session, marked active; null when there is none with that id.
  std::shared_ptr<SharedSession> find(const std::string& id);
  size_t size() const { return sessions_.size(); }
  bool empty() const { return sessions_.empty(); }

  // What the process must be told when a session leaves: subscriptions nobody holds any more,
  // and the log level the remaining sessions need, when it changed.
  struct Left {
    std::vector<std::string> unsubscribe;
    std::optional<int> logRank;
  };
  // Forgets the session and closes its stream.
  Left remove(SharedSession& session);
  // Removes the sessions idle since `cutoff` (no open request, no GET stream); the caller passes
  // each to remove() for what the process must be told.
  std::vector<std::shared_ptr<SharedSession>> takeIdle(std::chrono::steady_clock::time_point cutoff);
  // Every session, now closed and forgotten (the bridge is stopping).
  void closeAll();

  // resources/subscribe: true when the process must be asked (nobody held the uri before).
  bool subscribe(SharedSession& session, const std::string& uri);
  // resources/unsubscribe: true when the process must be told (the last holder let go).
  bool unsubscribe(SharedSession& session, const std::string& uri);
  // logging/setLevel: the level the process must run at now, or nullopt when it already does.
  std::optional<int> setLogLevel(SharedSession& session, int rank);
  // What a restarted process must be asked again.
  std::vector<std::string> subscribedUris() const;
  int processLogRank() const { return processLogRank_; }

  // Requests in the process, most recent last.
  void opened(const std::shared_ptr<PendingRequest>& request, const std::shared_ptr<SharedSession>& session);
  void closed(const std::shared_ptr<PendingRequest>& request);
  void closeAllRequests() { open_.clear(); }
  // The most recent open request and its session, or null.
  std::shared_ptr<PendingRequest> latestOpen(std::shared_ptr<SharedSession>* owner) const;

  // Queues a message on the session's GET stream.
  void deliver(SharedSession& session, const std::string& message);
  // To every session whose level admits `rank` (-1: any message).
  void broadcast(const std::string& message, int rank);
  // To each session's most recent open request; false when no request is open.
  bool toOpenRequests(const std::string& message, int rank);
  // To the sessions subscribed to `uri`.
  void toSubscribers(const std::string& uri, const std::string& message);
  // To the first session with its GET stream open; false when none has one.
  bool toAListener(const std::string& message);

 private:
  int effectiveLogRank() const;

  std::string serverName_;
  std::map<std::string, std::shared_ptr<SharedSession>> sessions_;
  std::map<std::string, int> subscriptionCounts_;  // uri → sessions subscribed
  int processLogRank_ = -1;                        // the level the process was last set to
  std::vector<std::pair<std::shared_ptr<PendingRequest>, std::shared_ptr<SharedSession>>> open_;
};

}  // namespace moat::gateway
