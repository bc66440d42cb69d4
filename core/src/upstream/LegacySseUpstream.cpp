#include "upstream/LegacySseUpstream.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>

#include <condition_variable>
#include <deque>
#include <optional>
#include <thread>

#include "moat/jsonrpc.hpp"
#include "server/Shutdown.h"
#include "upstream/SessionStream.h"
#include "net/SseParser.h"
#include "upstream/StreamPump.h"
#include "log/Log.h"
#include "moat/json.hpp"

namespace moat::gateway {

struct LegacySseUpstream::Session : ServerMessageQueue {
  std::string id;
  std::string serverName;
  std::unique_ptr<UpstreamSession> stream;
  std::istream* body = nullptr;
  SseParser parser;
  Poco::URI postUri;
  std::unique_ptr<UpstreamPool> posts;
  std::thread reader;

  std::map<std::string, std::optional<std::string>> pending;  // request id (JSON) → response

  void deliver(const std::string& message) {
    std::string idJson;
    bool isResponse = false;
    try {
      json::Value parsed = json::parse(message);
      isResponse = parsed.find("method") == nullptr && (parsed.find("result") || parsed.find("error"));
      idJson = jsonrpc::idJson(parsed);
    } catch (const std::exception&) {
      log::warn("sse-upstream", "upstream sent a message that is not JSON", {{"server", serverName}});
      return;
    }
    std::lock_guard<std::mutex> lock(mutex);
    auto it = isResponse ? pending.find(idJson) : pending.end();
    if (it != pending.end()) {
      it->second = message;
    } else if (outbound.size() >= kMaxQueuedMessages) {
      log::error("sse-upstream", "client is not reading its GET stream; closing the session",
                 {{"server", serverName}, {"queued", std::to_string(outbound.size())}});
      closed = true;
    } else {
      outbound.push_back(message);
    }
    changed.notify_all();
  }

  void readLoop() {
    std::streambuf* source = body->rdbuf();
    char buffer[16384];
    try {
      while (source->sgetc() != std::char_traits<char>::eof()) {
        std::streamsize n = source->sgetn(buffer, std::min<std::streamsize>(std::max<std::streamsize>(1, source->in_avail()), sizeof buffer));
        for (auto& event : parser.feed(std::string_view(buffer, static_cast<size_t>(n))))
          if (event.event == "message") deliver(event.data);
      }
    } catch (const std::exception&) {
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (!closed) log::warn("sse-upstream", "upstream closed its SSE stream", {{"server", serverName}});
    closed = true;
    changed.notify_all();
  }

  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      closed = true;
      changed.notify_all();
    }
    // Shut down wakes the reader out of its recv; the descriptor is closed only once the
    // reader has ended, since closing it under a thread still reading it is a race (TSan).
    try {
      if (stream && stream->http().connected()) stream->http().socket().shutdown();
    } catch (const Poco::Exception&) {
      // Already closed by the peer: nothing left to wake.
    }
    if (reader.joinable()) {
      if (reader.get_id() == std::this_thread::get_id()) reader.detach();
      else reader.join();
    }
    try {
      if (stream && stream->http().connected()) stream->http().abort();
    } catch (const Poco::Exception&) {
      // Already closed.
    }
  }

  // The reader thread holds a raw pointer to this session, so it must end first.
  ~Session() { close(); }
};

namespace {

void sendJson(Exchange& exchange, int status, const std::string& body, const std::string& sessionId) {
  net::HeaderList headers;
  headers.set("Content-Type", "application/json");
  headers.set("Mcp-Session-Id", sessionId);
  if (std::ostream* out = exchange.beginResponse(status, headers, static_cast<long long>(body.size()))) *out << body;
}

}  // namespace

LegacySseUpstream::LegacySseUpstream(const config::UpstreamConfig& config)
    : target_(config.url), config_(config), streams_(target_, config.connectTimeoutMs, config.timeoutMs, 0) {}

LegacySseUpstream::~LegacySseUpstream() { shutdown(); }

void LegacySseUpstream::shutdown() {
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions.swap(sessions_);
  }
  for (auto& [id, session] : sessions) session->close();
}

void LegacySseUpstream::forward(Exchange& exchange) {
  const std::string& method = exchange.ctx.httpMethod;
  if (method == "POST") handlePost(exchange);
  else if (method == "GET") handleGet(exchange);
  else handleDelete(exchange);
}

std::shared_ptr<LegacySseUpstream::Session> LegacySseUpstream::openSession(Exchange& exchange) {
  auto session = std::make_shared<Session>();
  session->id = newSessionId();
  session->serverName = exchange.server.name;
  session->stream = streams_.fresh();
  Poco::Net::HTTPRequest get(Poco::Net::HTTPRequest::HTTP_GET, target_.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : exchange.ctx.upstreamHeaders)
    if (Poco::icompare(name, "Content-Type") != 0 && Poco::icompare(name, "Mcp-Session-Id") != 0) get.add(name, value);
  get.setHost(target_.getHost(), target_.getPort());
  get.set("Accept", "text/event-stream");
  Poco::Net::HTTPResponse response;
  try {
    session->stream->http().sendRequest(get);
    session->body = &session->stream->http().receiveResponse(response);
  } catch (const Poco::TimeoutException&) {
    exchange.sendError(504, jsonrpc::kUpstreamTimeout, "upstream " + target_.getAuthority() + " did not open its SSE stream in time");
    return nullptr;
  } catch (const Poco::Exception& e) {
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream " + target_.getAuthority() + " is unreachable: " + e.displayText());
    return nullptr;
  }
  if (response.getStatus() != 200) {
    std::string detail;
    Poco::StreamCopier::copyToString(*session->body, detail);
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable,
                       "upstream SSE stream answered HTTP " + std::to_string(response.getStatus()));
    return nullptr;
  }
  // The first event names the URL to POST messages to.
  std::streambuf* source = session->body->rdbuf();
  char buffer[4096];
  try {
    while (session->posts == nullptr) {
      if (source->sgetc() == std::char_traits<char>::eof()) break;
      std::streamsize n = source->sgetn(buffer, std::min<std::streamsize>(std::max<std::streamsize>(1, source->in_avail()), sizeof buffer));
      for (auto& event : session->parser.feed(std::string_view(buffer, static_cast<size_t>(n)))) {
        if (event.event == "endpoint" && !session->posts) {
          session->postUri = target_;
          session->postUri.resolve(event.data);
          session->posts = std::make_unique<UpstreamPool>(session->postUri, config_.connectTimeoutMs, config_.timeoutMs);
        } else if (event.event == "message") {
          session->outbound.push_back(event.data);
        }
      }
    }
  } catch (const Poco::Exception& e) {
    exchange.sendError(504, jsonrpc::kUpstreamTimeout, "upstream SSE stream sent no endpoint event: " + e.displayText());
    return nullptr;
  }
  if (!session->posts) {
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream SSE stream ended before its endpoint event");
    return nullptr;
  }
  session->stream->http().socket().setReceiveTimeout(Poco::Timespan(24 * 3600, 0));
  Session* raw = session.get();
  session->reader = std::thread([raw] { raw->readLoop(); });
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_[session->id] = session;
  log::info("sse-upstream", "opened upstream SSE session", {{"server", exchange.server.name}});
  return session;
}

std::shared_ptr<LegacySseUpstream::Session> LegacySseUpstream::findSession(Exchange& exchange) {
  const auto& headers = exchange.ctx.upstreamHeaders;
  if (!headers.has("Mcp-Session-Id")) {
    exchange.sendError(400, jsonrpc::kInvalidRequest, "missing Mcp-Session-Id header");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(headers.get("Mcp-Session-Id"));
  bool closed = it == sessions_.end();
  if (!closed) {
    std::lock_guard<std::mutex> sessionLock(it->second->mutex);  // `closed` is the session's, under its lock
    closed = it->second->closed;
  }
  if (closed) {
    if (it != sessions_.end()) sessions_.erase(it);
    exchange.sendError(404, jsonrpc::kNotFound, "unknown or closed session; initialize again");
    return nullptr;
  }
  return it->second;
}

bool LegacySseUpstream::postMessage(Exchange& exchange, Session& session) {
  Poco::Net::HTTPRequest post(Poco::Net::HTTPRequest::HTTP_POST, session.postUri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : exchange.ctx.upstreamHeaders)
    if (Poco::icompare(name, "Mcp-Session-Id") != 0) post.add(name, value);
  post.setHost(session.postUri.getHost(), session.postUri.getPort());
  post.setContentType("application/json");
  post.setContentLength64(static_cast<long long>(exchange.ctx.body.size()));
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto http = attempt == 0 ? session.posts->acquire() : session.posts->fresh();
    bool sent = false;
    try {
      std::ostream& requestBody = http->http().sendRequest(post);
      requestBody << exchange.ctx.body;
      requestBody.flush();
      if (!requestBody) throw Poco::IOException("writing the message failed");
      sent = true;
      Poco::Net::HTTPResponse response;
      std::string ignored;
      Poco::StreamCopier::copyToString(http->http().receiveResponse(response), ignored);
      if (response.getStatus() / 100 != 2) {
        exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream refused the message with HTTP " + std::to_string(response.getStatus()));
        return false;
      }
      if (response.getKeepAlive()) session.posts->release(std::move(http));
      return true;
    } catch (const Poco::TimeoutException&) {
      exchange.sendError(504, jsonrpc::kUpstreamTimeout, "upstream did not accept the message in time");
      return false;
    } catch (const Poco::Exception& e) {
      if (http->reused && !sent && attempt == 0) continue;  // never resend a message the upstream may have taken
      exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream message endpoint failed: " + e.displayText());
      return false;
    }
  }
  return false;
}

void LegacySseUpstream::handlePost(Exchange& exchange) {
  std::optional<ClientMessage> message = classifyClientMessage(exchange, "sse");
  if (!message) return;
  const bool isRequest = message->isRequest;
  std::shared_ptr<Session> session = message->opensSession ? openSession(exchange) : findSession(exchange);
  if (!session) return;
  const std::string& idJson = message->idJson;
  if (isRequest) {
    std::lock_guard<std::mutex> lock(session->mutex);
    session->pending[idJson] = std::nullopt;
  }
  if (!postMessage(exchange, *session)) {
    std::lock_guard<std::mutex> lock(session->mutex);
    session->pending.erase(idJson);
    return;
  }
  if (!isRequest) {
    sendJson(exchange, 202, "", session->id);
    return;
  }
  std::unique_lock<std::mutex> lock(session->mutex);
  bool answered = session->changed.wait_for(lock, std::chrono::milliseconds(config_.timeoutMs), [&] {
    return session->closed || shutdown::requested() || session->pending[idJson].has_value();
  });
  std::optional<std::string> reply = std::move(session->pending[idJson]);
  session->pending.erase(idJson);
  lock.unlock();
  if (reply) sendJson(exchange, 200, *reply, session->id);
  else if (!answered) exchange.sendError(504, jsonrpc::kUpstreamTimeout, "upstream did not answer within " + std::to_string(config_.timeoutMs) + " ms");
  else exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream SSE stream closed before answering");
}

void LegacySseUpstream::handleGet(Exchange& exchange) {
  if (std::shared_ptr<Session> session = findSession(exchange)) serveGetStream(exchange, *session, session->id);
}

void LegacySseUpstream::handleDelete(Exchange& exchange) {
  std::shared_ptr<Session> session = findSession(exchange);
  if (!session) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.erase(session->id);
  }
  session->close();
  sendJson(exchange, 200, "", session->id);
}

}  // namespace moat::gateway
