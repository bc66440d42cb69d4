#include "upstream/StdioUpstream.h"

#include <algorithm>
#include <vector>

#include <Poco/URI.h>

#include "moat/jsonrpc.hpp"
#include "upstream/PendingRequest.h"
#include "upstream/StdioChannel.h"
#include "upstream/SessionStream.h"
#include "log/Log.h"
#include "runtime/WorkloadSpec.h"
#include "moat/json.hpp"

namespace moat::gateway {

struct StdioUpstream::Session : ServerMessageQueue {
  std::string id;
  std::string workload;
  std::string serverName;

  std::map<std::string, std::shared_ptr<PendingRequest>> pending;  // request id (JSON) → its open POST
  std::vector<std::shared_ptr<PendingRequest>> openRequests;       // most recent last
  bool stopping = false;
  bool legacy = false;  // 2024-11-05 HTTP+SSE client: every server message goes on its stream
  std::chrono::steady_clock::time_point lastActive = std::chrono::steady_clock::now();
  std::string deathReason;
  // Last, so it is destroyed (and its reader thread joined) before anything the reader touches.
  std::unique_ptr<StdioChannel> channel;

  void touch() {
    std::lock_guard<std::mutex> lock(mutex);
    lastActive = std::chrono::steady_clock::now();
  }

  bool send(const std::string& message) { return channel && channel->send(message); }

  // Called with `mutex` held: the client is not taking what the server sends.
  void closeForSlowClient(const char* where) {
    log::error("stdio", std::string("client is not reading its ") + where + "; closing the session", {{"server", serverName}});
    closed = true;
    deathReason = std::string("the client stopped reading its ") + where;
  }

  void route(const std::string& message) {
    bool isResponse = false;
    std::string idJson;
    try {
      json::Value parsed = json::parse(message);
      isResponse = parsed.isObject() && !parsed.find("method") && (parsed.find("result") || parsed.find("error"));
      if (isResponse) idJson = jsonrpc::idJson(parsed);
    } catch (const std::exception&) {
      log::warn("stdio", "server wrote a line that is not JSON-RPC; dropped", {{"server", serverName}});
      return;
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (legacy) {
      if (outbound.size() >= kMaxQueuedMessages) closeForSlowClient("event stream");
      else outbound.push_back(message);
    } else if (isResponse) {
      auto it = pending.find(idJson);
      if (it == pending.end()) {
        log::warn("stdio", "server answered a request nobody is waiting for", {{"server", serverName}});
        return;
      }
      it->second->messages.push_back(message);
      it->second->done = true;
      openRequests.erase(std::remove(openRequests.begin(), openRequests.end(), it->second), openRequests.end());
      pending.erase(it);
    } else if (!openRequests.empty()) {
      if (openRequests.back()->messages.size() >= kMaxQueuedMessages) closeForSlowClient("response stream");
      else openRequests.back()->messages.push_back(message);
    } else if (outbound.size() >= kMaxQueuedMessages) {
      closeForSlowClient("GET stream");
    } else {
      outbound.push_back(message);
    }
    changed.notify_all();
  }

  void processExited() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!closed && !stopping) {
      log::warn("stdio", "server process closed its stdout", {{"server", serverName}, {"workload", workload}});
      deathReason = "the server process exited";
    }
    closed = true;
    changed.notify_all();
  }
};

StdioUpstream::StdioUpstream(const config::ServerConfig& server, std::unique_ptr<core::RuntimeClient> runtime)
    : server_(server), runtime_(std::move(runtime)) {
  janitor_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      janitorWake_.wait_for(lock, std::chrono::milliseconds(250));
      if (stopping_) break;
      lock.unlock();
      expireIdleSessions();
      lock.lock();
    }
  });
}

StdioUpstream::~StdioUpstream() { shutdown(); }

void StdioUpstream::shutdown() {
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    sessions.swap(sessions_);
  }
  janitorWake_.notify_all();
  if (janitor_.joinable() && janitor_.get_id() != std::this_thread::get_id()) janitor_.join();
  for (auto& [id, session] : sessions) endSession(session);
}

void StdioUpstream::expireIdleSessions() {
  auto cutoff = std::chrono::steady_clock::now() - std::chrono::milliseconds(server_.upstream.idleTimeoutMs);
  std::vector<std::shared_ptr<Session>> expired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it->second;
      std::lock_guard<std::mutex> sessionLock(s.mutex);
      bool idle = !s.getStreamOpen && s.openRequests.empty() && s.lastActive < cutoff;
      if (idle) {
        expired.push_back(it->second);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& session : expired) {
    log::info("stdio", "ending an idle session and its process", {{"server", server_.name}, {"workload", session->workload}});
    endSession(session);
  }
}

std::shared_ptr<StdioUpstream::Session> StdioUpstream::startSession(Exchange& exchange) {
  auto session = std::make_shared<Session>();
  session->id = newSessionId();
  session->serverName = server_.name;
  try {
    session->workload = runtime_->start(core::workloadSpec(server_));
    auto [in, out] = runtime_->attachStdio(session->workload);
    Session* raw = session.get();
    session->channel = std::make_unique<StdioChannel>(in, out, [raw](const std::string& line) { raw->route(line); },
                                                      [raw] { raw->processExited(); });
  } catch (const std::exception& e) {
    if (!session->workload.empty()) {
      try { runtime_->remove(session->workload); } catch (const std::exception&) {}
    }
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, std::string("cannot start the server: ") + e.what());
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_[session->id] = session;
  log::info("stdio", "started a server process for a new session", {{"server", server_.name}, {"workload", session->workload}});
  return session;
}

void StdioUpstream::endSession(const std::shared_ptr<Session>& session) {
  {
    std::lock_guard<std::mutex> lock(session->mutex);
    if (session->stopping) return;
    session->stopping = true;
    session->closed = true;
    if (session->deathReason.empty()) session->deathReason = "the session ended";
    session->changed.notify_all();
  }
  if (session->channel) session->channel->closeInput();  // EOF on stdin asks the server to exit
  try {
    runtime_->stop(session->workload, 2000);
    runtime_->remove(session->workload);
  } catch (const std::exception& e) {
    log::warn("stdio", "stopping the server process failed", {{"server", server_.name}, {"reason", e.what()}});
  }
  if (session->channel) session->channel->stop();
}

std::shared_ptr<StdioUpstream::Session> StdioUpstream::findSession(Exchange& exchange) {
  const auto& headers = exchange.ctx.upstreamHeaders;
  if (!headers.has("Mcp-Session-Id")) {
    exchange.sendError(400, jsonrpc::kInvalidRequest, "missing Mcp-Session-Id header");
    return nullptr;
  }
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(headers.get("Mcp-Session-Id"));
    if (it != sessions_.end()) session = it->second;
  }
  bool dead = false;
  if (session) {
    std::lock_guard<std::mutex> lock(session->mutex);
    dead = session->closed;
  }
  if (!session || dead) {
    if (session) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        sessions_.erase(session->id);
      }
      endSession(session);
    }
    exchange.sendError(404, jsonrpc::kNotFound, "unknown or ended session; initialize again");
    return nullptr;
  }
  return session;
}

void StdioUpstream::forward(Exchange& exchange) {
  const std::string& method = exchange.ctx.httpMethod;
  if (!server_.legacySsePath.empty()) {
    std::string path = exchange.ctx.path.substr(0, exchange.ctx.path.find('?'));
    if (path == server_.legacySsePath) {
      if (method == "GET") handleLegacyStream(exchange);
      else exchange.sendError(405, jsonrpc::kInvalidRequest, "the legacy SSE stream is opened with GET");
      return;
    }
    if (path == server_.legacySsePath + "/messages") {
      if (method == "POST") handleLegacyPost(exchange);
      else exchange.sendError(405, jsonrpc::kInvalidRequest, "legacy SSE messages are sent with POST");
      return;
    }
  }
  if (method == "POST") handlePost(exchange);
  else if (method == "GET") handleGet(exchange);
  else handleDelete(exchange);
}

void StdioUpstream::handlePost(Exchange& exchange) {
  std::optional<ClientMessage> message = classifyClientMessage(exchange, "stdio");
  if (!message) return;
  const bool isRequest = message->isRequest;
  const auto& upstreamHeaders = exchange.ctx.upstreamHeaders;
  if (!message->opensSession && !upstreamHeaders.has("Mcp-Session-Id") && upstreamHeaders.has("MCP-Protocol-Version") &&
      upstreamHeaders.get("MCP-Protocol-Version") == "2026-07-28") {
    exchange.sendError(400, jsonrpc::kInvalidRequest,
                       "2026-07-28 stateless requests reach a stdio server through mode: shared; this one runs a process per session");
    return;
  }
  std::shared_ptr<Session> session = message->opensSession ? startSession(exchange) : findSession(exchange);
  if (!session) return;
  session->touch();
  struct TouchOnExit {
    Session& s;
    ~TouchOnExit() { s.touch(); }
  } touchOnExit{*session};

  net::HeaderList headers;
  headers.set("Mcp-Session-Id", session->id);
  if (!isRequest) {
    if (!session->send(exchange.ctx.body)) {
      exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "the server process is gone");
      return;
    }
    if (std::ostream* out = exchange.beginResponse(202, headers, 0)) out->flush();
    return;
  }

  const std::string& idJson = message->idJson;
  auto waiter = std::make_shared<PendingRequest>();
  {
    std::lock_guard<std::mutex> lock(session->mutex);
    session->pending[idJson] = waiter;
    session->openRequests.push_back(waiter);
  }
  auto forget = [&] {
    std::lock_guard<std::mutex> lock(session->mutex);
    auto it = session->pending.find(idJson);
    if (it != session->pending.end() && it->second == waiter) session->pending.erase(it);
    auto& open = session->openRequests;
    open.erase(std::remove(open.begin(), open.end(), waiter), open.end());
  };
  if (!session->send(exchange.ctx.body)) {
    forget();
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "the server process is gone");
    return;
  }
  Session& s = *session;
  ConversationWatch watch{s.mutex, s.changed, [&s] { return s.closed; }, [&s] { return s.deathReason; },
                          [&s](std::deque<std::string>& batch) {
                            for (auto& m : batch) s.outbound.push_back(std::move(m));
                            s.changed.notify_all();
                          }};
  answerPending(exchange, *waiter, watch, headers, idJson, server_.upstream.timeoutMs, forget, server_.name);
}

void StdioUpstream::handleLegacyStream(Exchange& exchange) {
  std::shared_ptr<Session> session = startSession(exchange);
  if (!session) return;
  {
    std::lock_guard<std::mutex> lock(session->mutex);
    session->legacy = true;
  }
  SseEvent endpoint{"endpoint", server_.legacySsePath + "/messages?sessionId=" + session->id, ""};
  serveGetStream(exchange, *session, session->id, &endpoint);
  // The legacy transport has no DELETE: the session ends with its stream.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.erase(session->id);
  }
  endSession(session);
}

void StdioUpstream::handleLegacyPost(Exchange& exchange) {
  Poco::URI uri(exchange.ctx.path);
  std::string sessionId;
  for (const auto& [name, value] : uri.getQueryParameters())
    if (name == "sessionId") sessionId = value;
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(sessionId);
    if (it != sessions_.end()) session = it->second;
  }
  bool alive = false;
  if (session) {
    std::lock_guard<std::mutex> lock(session->mutex);
    alive = session->legacy && !session->closed;
  }
  if (!alive) {
    exchange.sendError(404, jsonrpc::kNotFound, "unknown or ended legacy SSE session; open the stream again");
    return;
  }
  if (exchange.ctx.identitySubject &&
      exchange.sessions.check(sessionId, *exchange.ctx.identitySubject) == SessionBindings::Check::Other) {
    exchange.sendError(403, jsonrpc::kForbidden, "this session belongs to another identity");
    return;
  }
  session->touch();
  if (!session->send(exchange.ctx.body)) {
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "the server process is gone");
    return;
  }
  net::HeaderList headers;
  headers.set("Content-Type", "text/plain");
  if (std::ostream* out = exchange.beginResponse(202, headers, 8)) *out << "Accepted";
}

void StdioUpstream::handleGet(Exchange& exchange) {
  if (std::shared_ptr<Session> session = findSession(exchange)) {
    session->touch();
    serveGetStream(exchange, *session, session->id);
    session->touch();
  }
}

void StdioUpstream::handleDelete(Exchange& exchange) {
  std::shared_ptr<Session> session = findSession(exchange);
  if (!session) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.erase(session->id);
  }
  endSession(session);
  net::HeaderList headers;
  headers.set("Mcp-Session-Id", session->id);
  if (std::ostream* out = exchange.beginResponse(200, headers, 0)) out->flush();
}

}  // namespace moat::gateway
