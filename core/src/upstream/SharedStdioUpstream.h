// Upstream over stdio, `mode: shared`: one server process multiplexed across every client
// session. The bridge is the process's only client and keeps each session apart:
//   - request ids are rewritten ("moat-N") and mapped back, so two sessions may both send id 1;
//   - the first initialize is done once; later sessions get its result replayed;
//   - progress tokens are rewritten and progress goes to the session that asked;
//   - stdio does not say which request a server message belongs to, so by default (dispatch:
//     serial) one client request is in the process at a time and everything the server sends
//     meanwhile — sampling, elicitation, roots requests, log lines — belongs to it; other
//     sessions' requests wait their turn (up to upstream.timeout). With dispatch: parallel,
//     server requests go to the most recent open request and log lines to every session with one
//     open: faster, but a guess when sessions overlap; server request ids are rewritten either way;
//   - resources/subscribe is reference-counted, resources/updated reaches only subscribers,
//     list_changed notifications reach every session;
//   - logging/setLevel: the process runs at the most verbose level any session asked for and
//     each session receives only the log messages at or above its own level;
//   - 2026-07-28 stateless requests (no session, MCP-Protocol-Version: 2026-07-28) are served by
//     the same process, which the bridge initializes itself if no session has: server/discover
//     is answered from the initialize result, other results get that revision's fields.
// When the process dies, open requests fail at once; it is restarted with backoff (at once, then
// upstream.restart.backoff doubling to restart.max_backoff), initialized again with the first
// session's parameters, and its subscriptions and log level restored. Sessions survive the
// restart. After restart.failures failures in a row the bridge reports "failed" in /healthz and
// fails requests fast while it keeps retrying.
// This class supervises the process and routes between it and the sessions; the id rewriting
// is IdRewriter's, the sessions and delivery to them SharedSessions', the restart waits
// RestartSchedule's, and the 2026-07-28 fields StatelessRevision's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/Config.h"
#include "moat/json.hpp"
#include "runtime/RuntimeClient.h"
#include "upstream/IdRewriter.h"
#include "upstream/SharedSessions.h"
#include "upstream/StdioChannel.h"
#include "upstream/Upstream.h"

namespace moat::gateway {

class SharedStdioUpstream : public Upstream {
 public:
  SharedStdioUpstream(const config::ServerConfig& server, std::unique_ptr<core::RuntimeClient> runtime);
  ~SharedStdioUpstream() override;
  void forward(Exchange& exchange) override;
  bool sessionsLiveHere() const override { return true; }
  void shutdown() override;
  std::string health() const override;

 private:
  enum class State { Idle, Starting, Up, Restarting, Failed };

  // Each is called with mutex_ held (the lock is released while a process starts).
  bool ensureUp(std::unique_lock<std::mutex>& lock, std::string& why);
  std::string startBackend(std::unique_lock<std::mutex>& lock);
  void backendExited(uint64_t generation);
  void sendInternal(const std::string& method, const std::string& paramsJson);
  // Tells the process what a departed session no longer needs.
  void sessionLeft(const SharedSessions::Left& left);

  void route(const std::string& line, uint64_t generation);
  void handlePost(Exchange& exchange);
  void handleInitialize(Exchange& exchange, json::Value& message);
  void handleRequest(Exchange& exchange, const std::shared_ptr<SharedSession>& session, json::Value& message, bool stateless = false);
  void handleStateless(Exchange& exchange, json::Value& message);
  void handleGet(Exchange& exchange);
  void handleDelete(Exchange& exchange);
  std::shared_ptr<SharedSession> findSession(Exchange& exchange);
  void answerLocally(Exchange& exchange, const SharedSession& session, const std::string& idJson, const std::string& resultJson);
  void expireIdleSessions();

  config::ServerConfig server_;
  std::unique_ptr<core::RuntimeClient> runtime_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  State state_ = State::Idle;
  std::shared_ptr<StdioChannel> channel_;  // shared: a request may still hold the one a restart replaces
  std::string workload_;
  uint64_t generation_ = 0;  // which process a reader thread belongs to
  std::chrono::steady_clock::time_point upSince_;
  std::chrono::steady_clock::time_point nextStartAt_;
  RestartSchedule schedule_;  // consecutive failures and the wait before the next start
  std::string lastFailure_;
  uint64_t restarts_ = 0;

  std::optional<std::string> initializeParams_;  // the first session's, replayed on restarts
  std::string initializeResult_;                 // the process's answer, replayed to sessions
  IdRewriter ids_;
  SharedSessions sessions_;

  bool requestInProcess_ = false;  // dispatch: serial — a client request holds the process
  std::condition_variable turnFree_;

  bool stopping_ = false;
  std::condition_variable janitorWake_;
  std::thread janitor_;
};

}  // namespace moat::gateway
