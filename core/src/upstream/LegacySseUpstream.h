// Upstream over the legacy HTTP+SSE transport (MCP 2024-11-05): a GET /sse stream carrying an
// `endpoint` event and every server message, plus POSTs to that endpoint. Clients still speak
// streamable HTTP to the gateway; each client session maps to one upstream SSE stream.
//
// Responses answer the client's POST as JSON. Everything else the server sends (notifications,
// server-to-client requests) goes to the client's GET stream, queued up to
// kMaxQueuedMessages while no GET stream is open; past that the session is closed rather than
// letting memory grow.
#pragma once

#include <Poco/URI.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/Config.h"
#include "upstream/Upstream.h"
#include "upstream/UpstreamSession.h"

namespace moat::gateway {

class LegacySseUpstream : public Upstream {
 public:
  static constexpr size_t kMaxQueuedMessages = 1024;

  explicit LegacySseUpstream(const config::UpstreamConfig& config);
  ~LegacySseUpstream() override;
  void forward(Exchange& exchange) override;
  bool sessionsLiveHere() const override { return true; }
  void shutdown() override;

  struct Session;

 private:
  std::shared_ptr<Session> openSession(Exchange& exchange);
  std::shared_ptr<Session> findSession(Exchange& exchange);
  void handlePost(Exchange& exchange);
  void handleGet(Exchange& exchange);
  void handleDelete(Exchange& exchange);
  bool postMessage(Exchange& exchange, Session& session);

  Poco::URI target_;
  config::UpstreamConfig config_;
  UpstreamPool streams_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace moat::gateway
