#include "upstream/SharedStdioUpstream.h"

#include <algorithm>
#include <array>

#include "log/Log.h"
#include "metrics/Catalogue.h"
#include "moat/jsonrpc.hpp"
#include "runtime/WorkloadSpec.h"
#include "upstream/StatelessRevision.h"

namespace moat::gateway {
namespace {

const json::Value* member(const json::Value& v, std::string_view name) { return v.isObject() ? v.find(name) : nullptr; }

int logRank(const json::Value* level) { return level && level->isString() ? logLevelRank(level->asString()) : -1; }

}  // namespace

SharedStdioUpstream::SharedStdioUpstream(const config::ServerConfig& server, std::unique_ptr<core::RuntimeClient> runtime)
    : server_(server), runtime_(std::move(runtime)), schedule_(server.upstream.restart.schedule()), sessions_(server.name) {
  janitor_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      janitorWake_.wait_for(lock, std::chrono::milliseconds(250));
      if (stopping_) break;
      lock.unlock();
      expireIdleSessions();
      lock.lock();
      // A dead process is brought back as soon as its backoff allows, while sessions exist.
      if ((state_ == State::Restarting || state_ == State::Failed) && !sessions_.empty() &&
          std::chrono::steady_clock::now() >= nextStartAt_) {
        std::string why;
        ensureUp(lock, why);
      }
    }
  });
}

SharedStdioUpstream::~SharedStdioUpstream() { shutdown(); }

void SharedStdioUpstream::shutdown() {
  std::shared_ptr<StdioChannel> channel;
  std::string workload;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !channel_) return;
    stopping_ = true;
    turnFree_.notify_all();
    channel.swap(channel_);
    workload.swap(workload_);
    sessions_.closeAll();
    changed_.notify_all();
  }
  janitorWake_.notify_all();
  if (janitor_.joinable() && janitor_.get_id() != std::this_thread::get_id()) janitor_.join();
  if (channel) {
    channel->closeInput();
    channel->stop();
  }
  if (!workload.empty()) {
    try {
      runtime_->stop(workload, 2000);
      runtime_->remove(workload);
    } catch (const std::exception& e) {
      log::warn("stdio", "stopping the shared server process failed", {{"server", server_.name}, {"reason", e.what()}});
    }
  }
}

std::string SharedStdioUpstream::health() const {
  std::lock_guard<std::mutex> lock(mutex_);
  static const char* names[] = {"idle", "starting", "up", "restarting", "failed"};
  std::string out = "{\"state\":\"" + std::string(names[static_cast<int>(state_)]) + "\",\"mode\":\"shared\",\"sessions\":" +
                    std::to_string(sessions_.size()) + ",\"restarts\":" + std::to_string(restarts_);
  if (!lastFailure_.empty()) out += ",\"last_failure\":" + json::quote(lastFailure_);
  return out + "}";
}

void SharedStdioUpstream::sendInternal(const std::string& method, const std::string& paramsJson) {
  if (!channel_) return;
  std::string id = ids_.newId("moat-internal-");
  ids_.expect(id, {});  // answered into the void
  channel_->send("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":" + json::quote(method) + ",\"params\":" + paramsJson + "}");
}

void SharedStdioUpstream::sessionLeft(const SharedSessions::Left& left) {
  if (state_ != State::Up) return;
  for (const auto& uri : left.unsubscribe) sendInternal("resources/unsubscribe", "{\"uri\":" + json::quote(uri) + "}");
  if (left.logRank) sendInternal("logging/setLevel", "{\"level\":\"" + std::string(logLevelName(*left.logRank)) + "\"}");
}

bool SharedStdioUpstream::ensureUp(std::unique_lock<std::mutex>& lock, std::string& why) {
  for (;;) {
    if (stopping_) {
      why = "the gateway is shutting down";
      return false;
    }
    if (state_ == State::Up) return true;
    if (state_ == State::Starting) {
      changed_.wait(lock);
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    if ((state_ == State::Restarting || state_ == State::Failed) && now < nextStartAt_) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(nextStartAt_ - now).count();
      why = std::string(state_ == State::Failed ? "the server cannot be restarted (" : "the server is restarting (") + lastFailure_ +
            "); next attempt in " + std::to_string(wait) + " ms";
      return false;
    }
    if (!initializeParams_) {
      why = "no session has initialized the server yet";
      return false;
    }
    why = startBackend(lock);
    return why.empty();
  }
}

std::string SharedStdioUpstream::startBackend(std::unique_lock<std::mutex>& lock) {
  const bool restart = state_ != State::Idle;
  state_ = State::Starting;
  const uint64_t generation = ++generation_;
  std::shared_ptr<StdioChannel> old = std::move(channel_);
  std::string oldWorkload = std::move(workload_);
  lock.unlock();

  if (old) old->stop();
  if (!oldWorkload.empty()) {
    try {
      runtime_->stop(oldWorkload, 2000);
      runtime_->remove(oldWorkload);
    } catch (const std::exception&) {
    }
  }
  std::string failure, workload;
  std::shared_ptr<StdioChannel> channel;
  try {
    workload = runtime_->start(core::workloadSpec(server_));
    auto [in, out] = runtime_->attachStdio(workload);
    channel = std::make_shared<StdioChannel>(in, out, [this, generation](const std::string& line) { route(line, generation); },
                                             [this, generation] { backendExited(generation); });
  } catch (const std::exception& e) {
    failure = std::string("cannot start the server: ") + e.what();
    if (!workload.empty()) {
      try { runtime_->remove(workload); } catch (const std::exception&) {}
    }
  }

  lock.lock();
  auto fail = [&](const std::string& why) {
    auto wait = schedule_.failed(0);
    state_ = schedule_.exhausted() ? State::Failed : State::Restarting;
    nextStartAt_ = std::chrono::steady_clock::now() + wait;
    lastFailure_ = why;
    log::error("stdio", "the shared server process could not be started", {{"server", server_.name}, {"reason", why},
                                                                           {"failures", std::to_string(schedule_.failures())},
                                                                           {"backoff_ms", std::to_string(wait.count())}});
    changed_.notify_all();
    return why;
  };
  if (!failure.empty()) return fail(failure);
  channel_ = std::move(channel);
  workload_ = workload;
  if (restart) {
    ++restarts_;
    metrics::count(metrics::kRuntimeRestarts, {{"route", server_.name}});
  }

  const std::string initId = ids_.newId("moat-init-");
  auto answer = std::make_shared<PendingRequest>();
  ids_.expect(initId, {answer, nullptr, "", ""});
  channel_->send("{\"jsonrpc\":\"2.0\",\"id\":" + initId + ",\"method\":\"initialize\",\"params\":" + *initializeParams_ + "}");
  changed_.wait_for(lock, std::chrono::milliseconds(server_.upstream.timeoutMs),
                    [&] { return answer->done || generation_ != generation || stopping_; });
  ids_.forget(initId, answer);
  if (!answer->done || answer->messages.empty()) {
    generation_ = generation + 1;  // whatever this process says from now on is ignored
    return fail(stopping_ ? "the gateway is shutting down" : "the server did not answer initialize");
  }
  json::Value reply;
  try {
    reply = json::parse(answer->messages.back());
  } catch (const std::exception&) {
  }
  const json::Value* result = member(reply, "result");
  if (!result) {
    const json::Value* error = member(reply, "error");
    std::string message = error && error->isObject() ? error->stringOr("message", "") : std::string();
    generation_ = generation + 1;
    return fail("the server refused initialize" + (message.empty() ? std::string() : ": " + message));
  }
  initializeResult_ = json::write(*result);
  state_ = State::Up;
  upSince_ = std::chrono::steady_clock::now();
  channel_->send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  // What the sessions had asked of the previous process, asked of this one.
  for (const auto& uri : sessions_.subscribedUris()) sendInternal("resources/subscribe", "{\"uri\":" + json::quote(uri) + "}");
  if (int rank = sessions_.processLogRank(); rank >= 0)
    sendInternal("logging/setLevel", "{\"level\":\"" + std::string(logLevelName(rank)) + "\"}");
  log::info("stdio", restart ? "restarted the shared server process" : "started the shared server process",
            {{"server", server_.name}, {"workload", workload_}});
  changed_.notify_all();
  return "";
}

void SharedStdioUpstream::backendExited(uint64_t generation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_ || stopping_) return;
  ++generation_;
  const std::string reason = "the server process exited";
  // Every open request fails now rather than at its timeout.
  for (auto& waiter : ids_.takeAll()) {
    if (!waiter.request || !waiter.session) continue;
    waiter.request->messages.push_back(
        jsonrpc::errorBody(waiter.clientIdJson, jsonrpc::kUpstreamUnreachable, "the server ended before answering: " + reason));
    waiter.request->done = true;
  }
  sessions_.closeAllRequests();
  if (state_ == State::Starting) {  // died before answering initialize: startBackend counts it
    changed_.notify_all();
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  auto wait = schedule_.failed(state_ == State::Up ? std::chrono::duration_cast<std::chrono::milliseconds>(now - upSince_).count() : 0);
  state_ = schedule_.exhausted() ? State::Failed : State::Restarting;
  nextStartAt_ = now + wait;
  lastFailure_ = reason;
  log::warn("stdio", "the shared server process exited; restarting it", {{"server", server_.name},
            {"failures", std::to_string(schedule_.failures())}, {"backoff_ms", std::to_string(wait.count())}});
  changed_.notify_all();
  janitorWake_.notify_all();
}

void SharedStdioUpstream::route(const std::string& line, uint64_t generation) {
  json::Value message;
  try {
    message = json::parse(line);
  } catch (const std::exception&) {
    log::warn("stdio", "server wrote a line that is not JSON-RPC; dropped", {{"server", server_.name}});
    return;
  }
  if (!message.isObject()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) return;
  const std::string method = message.stringOr("method", "");
  const json::Value* id = message.find("id");
  const bool hasId = id && !id->isNull();

  if (method.empty() && hasId) {  // a response to one of ours
    auto waiter = ids_.answered(jsonrpc::idJson(message));
    if (!waiter) {
      log::warn("stdio", "server answered a request nobody is waiting for", {{"server", server_.name}});
      return;
    }
    if (!waiter->request) return;
    if (waiter->session) {
      message.mutableMembers()["id"] = json::parse(waiter->clientIdJson);
      if (!waiter->statelessMethod.empty() && message.find("result")) add2026Fields(waiter->statelessMethod, message.mutableMembers()["result"]);
      sessions_.closed(waiter->request);
    }
    waiter->request->messages.push_back(json::write(message));
    waiter->request->done = true;
    changed_.notify_all();
    return;
  }

  if (hasId) {  // a request from the server: sampling, elicitation, roots
    const std::string serverIdJson = jsonrpc::idJson(message);
    const std::string ours = ids_.trackServerRequest(message);
    std::string text = json::write(message);
    if (auto request = sessions_.latestOpen(nullptr)) {
      request->messages.push_back(text);
      changed_.notify_all();
      return;
    }
    if (sessions_.toAListener(text)) return;
    ids_.dropServerRequest(ours);
    if (channel_) channel_->send(jsonrpc::errorBody(serverIdJson, jsonrpc::kInternalError, "no client session is open to answer " + method));
    return;
  }

  json::Value* params = message.mutableMembers().count("params") ? &message.mutableMembers()["params"] : nullptr;
  if (method == "notifications/progress" && params && params->isObject()) {
    auto request = ids_.progress(*params);
    if (!request) return;  // its request is over
    request->messages.push_back(json::write(message));
    changed_.notify_all();
    return;
  }
  const std::string text = json::write(message);
  if (method == "notifications/message") {
    int rank = params ? logRank(params->find("level")) : -1;
    if (sessions_.toOpenRequests(text, std::max(rank, 0))) changed_.notify_all();
    else sessions_.broadcast(text, std::max(rank, 0));
    return;
  }
  if (method == "notifications/resources/updated") {
    sessions_.toSubscribers(params && params->isObject() ? params->stringOr("uri", "") : "", text);
    return;
  }
  if (method.size() > 13 && method.compare(method.size() - 13, 13, "/list_changed") == 0) {
    sessions_.broadcast(text, -1);
    return;
  }
  if (sessions_.toOpenRequests(text, -1)) changed_.notify_all();
  else sessions_.broadcast(text, -1);
}

std::shared_ptr<SharedSession> SharedStdioUpstream::findSession(Exchange& exchange) {
  const auto& headers = exchange.ctx.upstreamHeaders;
  if (!headers.has("Mcp-Session-Id")) {
    exchange.sendError(400, jsonrpc::kInvalidRequest, "missing Mcp-Session-Id header");
    return nullptr;
  }
  std::shared_ptr<SharedSession> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    session = sessions_.find(headers.get("Mcp-Session-Id"));
  }
  bool closed = !session;
  if (session) {
    std::lock_guard<std::mutex> lock(session->mutex);
    closed = session->closed;
  }
  if (closed) {
    if (session) {
      std::lock_guard<std::mutex> lock(mutex_);
      sessionLeft(sessions_.remove(*session));
    }
    exchange.sendError(404, jsonrpc::kNotFound, "unknown or ended session; initialize again");
    return nullptr;
  }
  return session;
}

void SharedStdioUpstream::expireIdleSessions() {
  auto cutoff = std::chrono::steady_clock::now() - std::chrono::milliseconds(server_.upstream.idleTimeoutMs);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& session : sessions_.takeIdle(cutoff)) {
    log::info("stdio", "ending an idle session of the shared server", {{"server", server_.name}});
    sessionLeft(sessions_.remove(*session));
  }
}

void SharedStdioUpstream::forward(Exchange& exchange) {
  const std::string& method = exchange.ctx.httpMethod;
  if (method == "POST") handlePost(exchange);
  else if (method == "GET") handleGet(exchange);
  else handleDelete(exchange);
}

void SharedStdioUpstream::answerLocally(Exchange& exchange, const SharedSession& session, const std::string& idJson,
                                        const std::string& resultJson) {
  std::string body = "{\"jsonrpc\":\"2.0\",\"id\":" + idJson + ",\"result\":" + resultJson + "}";
  net::HeaderList headers;
  headers.set("Mcp-Session-Id", session.id);
  headers.set("Content-Type", "application/json");
  if (std::ostream* out = exchange.beginResponse(200, headers, static_cast<long long>(body.size()))) *out << body;
}

void SharedStdioUpstream::handlePost(Exchange& exchange) {
  json::Value message;
  try {
    message = json::parse(exchange.ctx.body);
  } catch (const std::exception& e) {
    exchange.sendError(400, -32700, std::string("parse error: ") + e.what());
    return;
  }
  if (!message.isObject()) {
    exchange.sendError(400, jsonrpc::kInvalidRequest, "batches are not supported by a stdio upstream");
    return;
  }
  const std::string method = message.stringOr("method", "");
  const json::Value* id = message.find("id");
  const bool hasId = id && !id->isNull();
  const auto& upstreamHeaders = exchange.ctx.upstreamHeaders;
  if (!upstreamHeaders.has("Mcp-Session-Id") && method != "initialize" && upstreamHeaders.has("MCP-Protocol-Version") &&
      upstreamHeaders.get("MCP-Protocol-Version") == kStatelessRevision) {
    handleStateless(exchange, message);
    return;
  }
  if (method == "initialize" && !upstreamHeaders.has("Mcp-Session-Id")) {
    handleInitialize(exchange, message);
    return;
  }
  std::shared_ptr<SharedSession> session = findSession(exchange);
  if (!session) return;
  net::HeaderList headers;
  headers.set("Mcp-Session-Id", session->id);
  auto accepted = [&] {
    if (std::ostream* out = exchange.beginResponse(202, headers, 0)) out->flush();
  };

  if (hasId && !method.empty()) {
    handleRequest(exchange, session, message);
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (hasId) {  // the client's answer to a server request
    if (!ids_.restoreServerRequest(message)) {
      lock.unlock();
      log::warn("stdio", "a client answered a server request that is no longer open", {{"server", server_.name}});
      accepted();
      return;
    }
  } else if (method == "notifications/initialized") {
    lock.unlock();
    accepted();  // the process was initialized once, by the bridge
    return;
  } else if (method == "notifications/cancelled") {
    json::Value* params = &message.mutableMembers()["params"];
    const json::Value* requestId = params->isObject() ? params->find("requestId") : nullptr;
    std::string upstreamId = requestId ? ids_.idFor(session, json::write(*requestId)) : std::string();
    if (upstreamId.empty()) {
      lock.unlock();
      accepted();
      return;
    }
    params->mutableMembers()["requestId"] = json::parse(upstreamId);
  }
  // Written without the lock: a large answer may wait on a full pipe while the reader, which
  // needs the lock, is what lets the server drain it.
  std::shared_ptr<StdioChannel> channel = state_ == State::Up ? channel_ : nullptr;
  lock.unlock();
  bool sent = channel && channel->send(json::write(message));
  if (!sent) {
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "the server process is not running");
    return;
  }
  accepted();
}

void SharedStdioUpstream::handleInitialize(Exchange& exchange, json::Value& message) {
  auto session = std::make_shared<SharedSession>();
  session->id = newSessionId();
  const std::string idJson = jsonrpc::idJson(message);
  std::string result, why;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!initializeParams_) {
      const json::Value* params = message.find("params");
      initializeParams_ = params ? json::write(*params) : "{}";
    }
    if (!ensureUp(lock, why)) {
      lock.unlock();
      exchange.sendError(502, jsonrpc::kUpstreamUnreachable, why);
      return;
    }
    result = initializeResult_;
    sessions_.add(session);
  }
  log::info("stdio", "a session joined the shared server", {{"server", server_.name}});
  answerLocally(exchange, *session, idJson, result);
}

void SharedStdioUpstream::handleStateless(Exchange& exchange, json::Value& message) {
  if (std::string problem = headerProblem(exchange, message); !problem.empty()) {
    exchange.sendError(400, jsonrpc::kInvalidRequest, problem);
    return;
  }
  const std::string method = message.stringOr("method", "");
  const json::Value* id = message.find("id");
  if (!id || id->isNull()) {
    net::HeaderList none;
    if (std::ostream* out = exchange.beginResponse(202, none, 0)) out->flush();
    return;
  }
  if (method == "subscriptions/listen") {
    exchange.sendError(400, -32601, "subscriptions/listen is not offered by a stdio server bridged from 2025-11-25");
    return;
  }
  std::string why, result;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // No session has initialized the process: the bridge does, as a client of the older revision.
    if (!initializeParams_)
      initializeParams_ = "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"moat\",\"version\":\"1\"}}";
    if (!ensureUp(lock, why)) {
      lock.unlock();
      exchange.sendError(502, jsonrpc::kUpstreamUnreachable, why);
      return;
    }
    result = initializeResult_;
  }
  auto session = std::make_shared<SharedSession>();  // one request's worth; not a session clients can name
  if (method != "server/discover") {
    handleRequest(exchange, session, message, true);
    return;
  }
  std::string body = "{\"jsonrpc\":\"2.0\",\"id\":" + jsonrpc::idJson(message) + ",\"result\":" +
                     json::write(discoverResult(json::parse(result))) + "}";
  net::HeaderList headers;
  headers.set("Content-Type", "application/json");
  if (std::ostream* out = exchange.beginResponse(200, headers, static_cast<long long>(body.size()))) *out << body;
}

void SharedStdioUpstream::handleRequest(Exchange& exchange, const std::shared_ptr<SharedSession>& session, json::Value& message,
                                        bool stateless) {
  const std::string method = message.stringOr("method", "");
  const std::string idJson = jsonrpc::idJson(message);
  json::Value* params = message.mutableMembers().count("params") ? &message.mutableMembers()["params"] : nullptr;
  const std::string uri = params && params->isObject() ? params->stringOr("uri", "") : "";

  // dispatch: serial — the turn is handed on when this request is answered or given up. Declared
  // before the lock so that it is released after it.
  struct Turn {
    SharedStdioUpstream* owner = nullptr;
    ~Turn() {
      if (!owner) return;
      std::lock_guard<std::mutex> guard(owner->mutex_);
      owner->requestInProcess_ = false;
      owner->turnFree_.notify_one();
    }
  } turn;
  std::unique_lock<std::mutex> lock(mutex_);
  // Requests whose effect is shared are answered here when the process already has it.
  if (stateless) {
    // A single request has no subscriptions or log level to account for.
  } else if (method == "resources/subscribe" && !uri.empty()) {
    if (!sessions_.subscribe(*session, uri)) {
      lock.unlock();
      answerLocally(exchange, *session, idJson, "{}");
      return;
    }
  } else if (method == "resources/unsubscribe" && !uri.empty()) {
    if (!sessions_.unsubscribe(*session, uri)) {
      lock.unlock();
      answerLocally(exchange, *session, idJson, "{}");
      return;
    }
  } else if (method == "logging/setLevel" && params) {
    if (int rank = logRank(params->find("level")); rank >= 0) {
      auto processRank = sessions_.setLogLevel(*session, rank);
      if (!processRank) {
        lock.unlock();
        answerLocally(exchange, *session, idJson, "{}");
        return;
      }
      params->mutableMembers()["level"] = json::Value::makeString(std::string(logLevelName(*processRank)));
    }
  }

  // dispatch: serial — wait for the process to be free.
  if (!server_.upstream.sharedParallel) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(server_.upstream.timeoutMs);
    if (!turnFree_.wait_until(lock, deadline, [&] { return !requestInProcess_ || stopping_; })) {
      lock.unlock();
      exchange.sendError(504, jsonrpc::kUpstreamTimeout,
                         "the shared server was busy with other sessions' requests for " + std::to_string(server_.upstream.timeoutMs) + " ms");
      return;
    }
    requestInProcess_ = true;
    turn.owner = this;
  }
  std::string why;
  if (!ensureUp(lock, why)) {
    lock.unlock();
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, why);
    return;
  }
  auto request = std::make_shared<PendingRequest>();
  const std::string upstreamId = ids_.track(message, {request, session, idJson, stateless ? method : ""});
  sessions_.opened(request, session);
  std::shared_ptr<StdioChannel> channel = channel_;
  lock.unlock();

  auto forget = [&] {
    std::lock_guard<std::mutex> guard(mutex_);
    ids_.forget(upstreamId, request);
    sessions_.closed(request);
  };
  if (!channel->send(json::write(message))) {
    forget();
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "the server process is gone");
    return;
  }
  net::HeaderList headers;
  if (!stateless) headers.set("Mcp-Session-Id", session->id);
  SharedSession& s = *session;
  ConversationWatch watch{mutex_, changed_,
                          [&s] {
                            std::lock_guard<std::mutex> sessionLock(s.mutex);
                            return s.closed;
                          },
                          [] { return std::string("the session was closed"); },
                          [this, &s](std::deque<std::string>& batch) {
                            for (auto& m : batch) sessions_.deliver(s, m);
                          }};
  answerPending(exchange, *request, watch, headers, idJson, server_.upstream.timeoutMs, forget, server_.name);
}

void SharedStdioUpstream::handleGet(Exchange& exchange) {
  if (std::shared_ptr<SharedSession> session = findSession(exchange)) serveGetStream(exchange, *session, session->id);
}

void SharedStdioUpstream::handleDelete(Exchange& exchange) {
  std::shared_ptr<SharedSession> session = findSession(exchange);
  if (!session) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessionLeft(sessions_.remove(*session));
  }
  net::HeaderList headers;
  headers.set("Mcp-Session-Id", session->id);
  if (std::ostream* out = exchange.beginResponse(200, headers, 0)) out->flush();
}

}  // namespace moat::gateway
