// Upstream over stdio: an MCP server that a runtime plugin runs as a process, speaking
// newline-delimited JSON-RPC on stdin/stdout, exposed to clients as streamable HTTP
// (2025-11-25 sessions). One process per client session: initialize starts it, DELETE stops it.
//
// A POST carrying a request is answered with an SSE stream: every message the server sends
// while that request is open (progress, log messages, sampling/elicitation requests) is
// delivered on it, then the response. Server messages outside any request go to the session's
// GET stream, queued up to kMaxQueuedMessages while none is open; past that the session is
// closed instead of memory growing. A session with no traffic for upstream.idle_timeout is ended
// with its process. When the process dies, open requests get a JSON-RPC error at
// once and the session answers 404 so the client initializes again.
//
// With legacy_sse_path set, clients of the 2024-11-05 HTTP+SSE transport are served too: GET on
// that path starts a process and streams everything it writes (responses included), after an
// "endpoint" event naming where to POST; the session and its process end with the stream.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/Config.h"
#include "upstream/Upstream.h"
#include "runtime/RuntimeClient.h"

namespace moat::gateway {

class StdioUpstream : public Upstream {
 public:
  static constexpr size_t kMaxQueuedMessages = 1024;

  StdioUpstream(const config::ServerConfig& server, std::unique_ptr<core::RuntimeClient> runtime);
  ~StdioUpstream() override;
  void forward(Exchange& exchange) override;
  bool sessionsLiveHere() const override { return true; }
  void shutdown() override;

  struct Session;

 private:
  std::shared_ptr<Session> startSession(Exchange& exchange);
  std::shared_ptr<Session> findSession(Exchange& exchange);
  void endSession(const std::shared_ptr<Session>& session);
  void handlePost(Exchange& exchange);
  void handleGet(Exchange& exchange);
  void handleDelete(Exchange& exchange);
  void handleLegacyStream(Exchange& exchange);
  void handleLegacyPost(Exchange& exchange);
  void expireIdleSessions();

  config::ServerConfig server_;
  std::unique_ptr<core::RuntimeClient> runtime_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  // Ends sessions whose clients went quiet without DELETE, so their processes do not pile up.
  std::condition_variable janitorWake_;
  bool stopping_ = false;
  std::thread janitor_;
};

}  // namespace moat::gateway
