#include "gateway/ProxyHandler.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "moat/jsonrpc.hpp"
#include "gateway/ListAnswerRewrite.h"
#include "gateway/ProtectedResource.h"
#include "gateway/RequestBody.h"
#include "gateway/RequestMetrics.h"
#include "log/Log.h"
#include "metrics/Catalogue.h"
#include "metrics/Counters.h"
#include "trace/Exporter.h"
#include "trace/RequestTrace.h"

namespace moat::gateway {
namespace {

bool plainId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// Header names a Connection header lists as further hop-by-hop headers (lower-case).
std::vector<std::string> connectionTokens(const Poco::Net::HTTPServerRequest& request) {
  std::vector<std::string> tokens;
  if (!request.has("Connection")) return tokens;
  Poco::StringTokenizer list(request.get("Connection"), ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  for (const auto& token : list) tokens.push_back(Poco::toLower(token));
  return tokens;
}

bool listed(const std::vector<std::string>& tokens, const std::string& name) {
  for (const auto& token : tokens)
    if (token.size() == name.size() && Poco::icompare(name, token) == 0) return true;
  return false;
}

// What the authorization gate learns of the route's tools: names through the tool view,
// annotations from this session's tools/list answers.
class RouteToolFacts : public core::ToolFacts {
 public:
  RouteToolFacts(const Route& route, std::string session) : route_(route), session_(std::move(session)) {}
  std::optional<std::string> serverToolName(const std::string& called) const override {
    return route_.tools ? route_.tools->serverName(called) : std::optional<std::string>(called);
  }
  std::string annotations(const std::string& serverToolName) const override { return route_.annotations->lookup(session_, serverToolName); }

 private:
  const Route& route_;
  std::string session_;
};

std::string sessionOf(const core::RequestContext& ctx) {
  return ctx.upstreamHeaders.has("Mcp-Session-Id") ? ctx.upstreamHeaders.get("Mcp-Session-Id") : std::string();
}

// The request's trace when tracing is on and it is sampled: a child of the client's trace when
// it sent a traceparent and tracing.accept_traceparent allows it.
std::unique_ptr<trace::RequestTrace> startTrace(const Poco::Net::HTTPServerRequest& request) {
  if (!trace::Exporter::enabled()) return nullptr;
  std::optional<trace::Parent> parent;
  if (trace::Exporter::settings().acceptTraceparent && request.has("traceparent")) parent = trace::parseTraceparent(request.get("traceparent"));
  if (parent ? !parent->sampled : !trace::Exporter::sampleNew()) return nullptr;
  return std::make_unique<trace::RequestTrace>(request.getMethod(), parent);
}

// The MCP semantic conventions (OpenTelemetry GenAI, MCP server span): named
// "{mcp.method.name} {target}" with the tool or prompt as target. The session id is left out:
// it lets its holder use the session, and traces travel further than the gateway.
void describeServerSpan(trace::Span& span, Exchange& exchange, const AnswerWatch& answer) {
  core::RequestContext& ctx = exchange.ctx;
  const std::string& method = ctx.rpcMethod();
  const std::string& target = ctx.rpcTarget();
  const int status = exchange.response.getStatus();
  const std::string_view outcome = outcomeOf(exchange, status, answer);
  auto& attributes = span.attributes;
  if (!method.empty()) {
    const bool named = method == "tools/call" || method == "prompts/get";
    span.name = named && !target.empty() ? method + " " + target : method;
    attributes.emplace_back("mcp.method.name", method);
    if (method == "tools/call") {
      attributes.emplace_back("gen_ai.tool.name", target);
      attributes.emplace_back("gen_ai.operation.name", std::string("execute_tool"));
    } else if (method == "prompts/get") {
      attributes.emplace_back("gen_ai.prompt.name", target);
    } else if (method.rfind("resources/", 0) == 0 && !target.empty()) {
      attributes.emplace_back("mcp.resource.uri", target);
    }
    const std::string id = jsonrpc::idJson(std::string_view(ctx.body));
    if (id != "null") attributes.emplace_back("jsonrpc.request.id", id.front() == '"' ? id.substr(1, id.size() - 2) : id);
  } else {
    span.name = ctx.httpMethod;
  }
  if (ctx.upstreamHeaders.has("MCP-Protocol-Version")) attributes.emplace_back("mcp.protocol.version", ctx.upstreamHeaders.get("MCP-Protocol-Version"));
  attributes.emplace_back("http.request.method", ctx.httpMethod);
  attributes.emplace_back("http.response.status_code", static_cast<int64_t>(status));
  attributes.emplace_back("url.path", ctx.path.substr(0, ctx.path.find('?')));  // never the query: it may hold a secret
  attributes.emplace_back("client.address", ctx.remoteAddress);
  attributes.emplace_back("network.transport", std::string("tcp"));
  attributes.emplace_back("moat.route", ctx.serverName);
  attributes.emplace_back("moat.outcome", std::string(outcome));
  if (ctx.identitySubject) attributes.emplace_back("enduser.id", *ctx.identitySubject);
  if (exchange.gatewayError != 0) attributes.emplace_back("rpc.jsonrpc.error_code", static_cast<int64_t>(exchange.gatewayError));
  if (outcome != "success") {
    span.status = trace::SpanStatus::Error;
    attributes.emplace_back("error.type", outcome != "error" ? std::to_string(status) : method == "tools/call" ? "tool_error" : "jsonrpc_error");
  }
}

}  // namespace

std::string requestIdFor(const Poco::Net::HTTPServerRequest& request) {
  if (request.has("X-Request-Id") && plainId(request.get("X-Request-Id"))) return request.get("X-Request-Id");
  // A correlation id, not a secret: eight bytes of state per thread (splitmix64) rather than a
  // Mersenne Twister's 2.5 KiB, which stayed resident in every worker thread.
  thread_local uint64_t state = std::random_device{}() ^ (static_cast<uint64_t>(std::random_device{}()) << 32);
  uint64_t bits = (state += 0x9E3779B97F4A7C15ULL);
  bits = (bits ^ (bits >> 30)) * 0xBF58476D1CE4E5B9ULL;
  bits = (bits ^ (bits >> 27)) * 0x94D049BB133111EBULL;
  bits ^= bits >> 31;
  static const char* hex = "0123456789abcdef";
  std::string id(16, '0');
  for (auto& c : id) { c = hex[bits & 0xF]; bits >>= 4; }
  return id;
}

void describeRequest(core::RequestContext& ctx, const Poco::Net::HTTPServerRequest& request, const std::string& serverName) {
  ctx.requestId = requestIdFor(request);
  ctx.httpMethod = request.getMethod();
  ctx.path = request.getURI();
  ctx.remoteAddress = request.clientAddress().host().toString();
  ctx.serverName = serverName;
}

ProxyHandler::ProxyHandler(Route& route, const config::ListenerConfig& listener, const IngressGuard& guard, ClientLimits& limits)
    : route_(route), listener_(listener), guard_(guard), limits_(limits) {}

void ProxyHandler::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  core::RequestContext ctx;
  describeRequest(ctx, request, route_.config.name);
  log::RequestScope scope(ctx.requestId);
  Exchange exchange(ctx, request, response, *route_.pipeline, route_.config, *route_.sessions);
  AnswerWatch answer;
  // `answer` dies with this call, but the connection finishes the body after it: the watch is
  // taken away first, whichever way this call ends.
  struct Watching {
    ClientResponse& response;
    void end() { response.stopWatching(); }
    ~Watching() { end(); }
  } watching{exchange.response};
  exchange.response.watchBody(&answer);
  std::unique_ptr<trace::RequestTrace> trace = startTrace(request);
  trace::Activation activation(trace.get());
  auto started = std::chrono::steady_clock::now();
  try {
    serve(exchange);
    exchange.endAnswer();
  } catch (const std::exception& e) {
    log::error("proxy", "unexpected failure", {{"reason", e.what()}});
    if (!response.sent()) exchange.sendError(500, jsonrpc::kInternalError, "internal gateway error");
  }
  watching.end();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  recordRequest(exchange, response.getStatus(), static_cast<double>(micros) / 1e6, answer);
  if (trace) describeServerSpan(trace->server(), exchange, answer);
  if (exchange.pipeline.wantsCompletion()) complete(exchange, micros, answer);
  if (log::enabled(log::Level::Info)) {
    log::Fields fields{{"server", route_.config.name}, {"status", std::to_string(response.getStatus())}, {"duration_us", std::to_string(micros)}};
    if (ctx.identitySubject) fields.emplace_back("subject", *ctx.identitySubject);
    log::info("access", ctx.httpMethod + " " + log::redactQuery(ctx.path), fields);
  }
}

// The audit stages' moment (on_complete): the client has its answer, whoever gave it.
void ProxyHandler::complete(Exchange& exchange, int64_t micros, const AnswerWatch& answer) {
  const int status = exchange.response.sent() ? exchange.response.getStatus() : 0;
  const std::string_view outcome = outcomeOf(exchange, status, answer);
  moat_completion done{};
  done.struct_size = sizeof done;
  done.status = static_cast<uint16_t>(status);
  done.outcome = outcome == "success" ? MOAT_OUTCOME_SUCCESS : outcome == "error" ? MOAT_OUTCOME_ERROR
               : outcome == "denied"  ? MOAT_OUTCOME_DENIED  : MOAT_OUTCOME_FAILURE;
  done.rpc_error_code = exchange.gatewayError;
  done.duration_us = micros;
  done.request_bytes = exchange.ctx.body.size();
  done.response_bytes = answer.bytes();
  const bool stopped = exchange.stoppedBy.kind != core::StageOutcome::Kind::Continue;
  done.answered_by = stopped ? moat_str{exchange.stoppedBy.stage.data(), exchange.stoppedBy.stage.size()} : moat_str{nullptr, 0};
  exchange.pipeline.runComplete(exchange.ctx, done);
}

void ProxyHandler::serve(Exchange& exchange) {
  core::RequestContext& ctx = exchange.ctx;
  if (auto denial = guard_.check(exchange.request)) {
    exchange.sendError(403, jsonrpc::kForbidden, *denial);
    return;
  }
  if (ctx.httpMethod != "POST" && ctx.httpMethod != "GET" && ctx.httpMethod != "DELETE") {
    exchange.response.set("Allow", "GET, POST, DELETE");
    exchange.sendError(405, jsonrpc::kInvalidRequest, "method " + ctx.httpMethod + " is not allowed on an MCP endpoint");
    return;
  }
  if (!readRequestBody(exchange, listener_.bodyLimitBytes)) return;
  copyHeaders(exchange);

  // Only authorizers ask about tools; other routes skip the session lookup.
  std::optional<RouteToolFacts> toolFacts;
  if (exchange.pipeline.hasAuthorizers()) ctx.toolFacts = &toolFacts.emplace(route_, sessionOf(ctx));
  if (!exchange.pipeline.empty()) {
    ResourceUrls urls = resourceUrlsFor(route_.config, listener_, exchange.request);
    ctx.resourceUrl = std::move(urls.resource);
    ctx.resourceMetadataUrl = std::move(urls.metadata);
    core::StageOutcome outcome = exchange.pipeline.runRequest(ctx);
    if (outcome.kind != core::StageOutcome::Kind::Continue) exchange.stoppedBy = outcome;
    if (outcome.kind == core::StageOutcome::Kind::Replied) {
      exchange.sendReply();
      return;
    }
    if (outcome.kind == core::StageOutcome::Kind::Failed) {
      log::error("pipeline", "stage failed", {{"stage", outcome.stage}, {"reason", outcome.message}});
      exchange.sendError(500, jsonrpc::kStageFailed, "stage " + outcome.stage + " failed: " + outcome.message);
      return;
    }
  }
  if (ctx.upstreamHeaders.has("Mcp-Session-Id")) {
    const std::string& session = ctx.upstreamHeaders.get("Mcp-Session-Id");
    if (!ctx.identitySubject && !route_.forwarder) {
      exchange.sessions.touch(session);
    } else {
      // Without authentication the check only finds where the session lives (bound to "").
      const SessionBindings::Check owner = exchange.sessions.check(session, ctx.identitySubject.value_or(""));
      if (owner == SessionBindings::Check::Other) {
        exchange.sendError(403, jsonrpc::kForbidden, "this session belongs to another identity");
        return;
      }
      if (owner == SessionBindings::Check::Unavailable) {
        // Fail closed: the session's owner cannot be checked, so it is not served.
        exchange.sendError(503, jsonrpc::kSessionStoreUnavailable, "the session store is unavailable; try again shortly");
        return;
      }
    }
  }
  std::optional<ClientLimits::StreamSlot> stream;
  if (!withinLimits(exchange, stream)) return;
  if (route_.tools && !applyToolView(exchange)) return;
  rewriteListAnswers(exchange);
  if (route_.config.forwardClientAuthorization && ctx.clientAuthorization && !ctx.upstreamHeaders.has("Authorization"))
    ctx.upstreamHeaders.set("Authorization", *ctx.clientAuthorization);
  const bool isStream = ctx.httpMethod == "GET";
  if (isStream) metrics::gaugeAdd(metrics::kStreamsOpen, {{"route", route_.config.name}}, 1);
  // The upstream call, and the trace carried on to the server (a stdio server has no headers).
  trace::ChildSpan upstreamSpan(trace::current() ? "upstream " + (ctx.rpcMethod().empty() ? ctx.httpMethod : ctx.rpcMethod()) : std::string(),
                               trace::SpanKind::Client);
  if (upstreamSpan.active()) {
    upstreamSpan.set("moat.route", route_.config.name);
    ctx.upstreamHeaders.set("traceparent", upstreamSpan.traceparent());
    if (!trace::Exporter::settings().acceptTraceparent) ctx.upstreamHeaders.erase("tracestate");
  }
  try {
    const std::string owner = route_.forwarder && ctx.upstreamHeaders.has("Mcp-Session-Id")
                                  ? exchange.sessions.remoteOwner(ctx.upstreamHeaders.get("Mcp-Session-Id"))
                                  : std::string();
    if (owner.empty()) route_.upstream->forward(exchange);
    else route_.forwarder->forward(exchange, owner);
  } catch (...) {
    if (isStream) metrics::gaugeAdd(metrics::kStreamsOpen, {{"route", route_.config.name}}, -1);
    throw;
  }
  if (isStream) metrics::gaugeAdd(metrics::kStreamsOpen, {{"route", route_.config.name}}, -1);
  if (upstreamSpan.active()) {
    upstreamSpan.set("http.response.status_code", static_cast<int64_t>(exchange.response.getStatus()));
    if (exchange.gatewayError == jsonrpc::kUpstreamUnreachable || exchange.gatewayError == jsonrpc::kUpstreamTimeout)
      upstreamSpan.fail(exchange.gatewayError == jsonrpc::kUpstreamTimeout ? "timeout" : "unreachable");
  }
}

// A list answer is filtered by the route's authorizers and renamed by its tool view on its way out.
void ProxyHandler::rewriteListAnswers(Exchange& exchange) {
  core::RequestContext& ctx = exchange.ctx;
  if (ctx.httpMethod != "POST") return;
  const std::string& method = ctx.rpcMethod();
  const bool authorize = exchange.pipeline.hasAuthorizers() && !core::listItemAccess(method).first.empty();
  const bool rename = route_.tools && method == "tools/list";
  if (!authorize && !rename) return;
  ListAnswerRewrite rewrite;
  rewrite.method = method;
  rewrite.request = &ctx;
  rewrite.authorizers = authorize ? &exchange.pipeline : nullptr;
  rewrite.view = route_.tools.get();
  rewrite.annotations = authorize ? route_.annotations.get() : nullptr;  // only authorizers read them
  rewrite.session = sessionOf(ctx);
  exchange.rewriteAnswer(std::move(rewrite));
}

// The route's tool view: a call is mapped to the server's name for the tool, or refused as the
// MCP spec answers an unknown tool.
bool ProxyHandler::applyToolView(Exchange& exchange) {
  core::RequestContext& ctx = exchange.ctx;
  if (ctx.httpMethod != "POST") return true;
  // Every message is read, not only those the method says are calls: the view must see what
  // the server will see.
  std::string refused;
  std::optional<std::string> mapped;
  try {
    mapped = route_.tools->rewriteCall(ctx.body, refused);
  } catch (const std::invalid_argument& e) {
    exchange.sendError(400, jsonrpc::kInvalidRequest, std::string("not accepted by this server's tool view: ") + e.what());
    return false;
  }
  if (!mapped) {
    metrics::add("tool_calls_hidden");
    exchange.sendError(200, jsonrpc::kInvalidParams, "Unknown tool: " + refused);
    return false;
  }
  ctx.body = std::move(*mapped);
  return true;
}

bool ProxyHandler::withinLimits(Exchange& exchange, std::optional<ClientLimits::StreamSlot>& stream) {
  core::RequestContext& ctx = exchange.ctx;
  const std::string subject = ctx.identitySubject ? "sub:" + *ctx.identitySubject : "address:" + ctx.remoteAddress;
  if (std::optional<int> wait = limits_.takeRequest(subject)) {
    metrics::add("requests_rate_limited");
    exchange.response.set("Retry-After", std::to_string(*wait));
    exchange.sendError(429, jsonrpc::kLimited, "more than listen.requests_per_second_per_subject requests from this client; retry later");
    return false;
  }
  const bool hasSession = ctx.upstreamHeaders.has("Mcp-Session-Id");
  if (ctx.httpMethod == "GET" && hasSession) {
    stream = limits_.openStream(route_.config.name + "\n" + ctx.upstreamHeaders.get("Mcp-Session-Id"));
    if (!stream) {
      metrics::add("streams_refused");
      exchange.response.set("Retry-After", "1");
      exchange.sendError(429, jsonrpc::kLimited, "this session already holds listen.streams_per_session open GET streams");
      return false;
    }
  }
  if (ctx.identitySubject && ctx.httpMethod == "POST" && !hasSession && ctx.rpcMethod() == "initialize" &&
      exchange.sessions.liveSessions(*ctx.identitySubject, std::chrono::milliseconds(listener_.sessionIdleTimeoutMs)) >=
          static_cast<size_t>(listener_.sessionsPerSubject)) {
    metrics::add("sessions_refused");
    exchange.response.set("Retry-After", "60");
    exchange.sendError(429, jsonrpc::kLimited,
                       "this identity holds listen.sessions_per_subject sessions; end one (DELETE) or let one idle out");
    return false;
  }
  return true;
}

void ProxyHandler::copyHeaders(Exchange& exchange) const {
  auto& request = exchange.request;
  core::RequestContext& ctx = exchange.ctx;
  const std::vector<std::string> hopByHop = connectionTokens(request);
  for (const auto& [name, value] : request) {
    if (Poco::icompare(name, "Authorization") == 0) {
      ctx.clientAuthorization = value;
      continue;
    }
    // Compression is left off so the upstream's SSE events are not held back in a compressor.
    if (isHopByHopHeader(name) || Poco::icompare(name, "Host") == 0 || Poco::icompare(name, "Accept-Encoding") == 0 ||
        Poco::icompare(name, "X-Request-Id") == 0 || listed(hopByHop, name))
      continue;
    ctx.upstreamHeaders.add(name, value);
  }
  std::string forwardedFor = request.has("X-Forwarded-For") ? request.get("X-Forwarded-For") + ", " + ctx.remoteAddress : ctx.remoteAddress;
  ctx.upstreamHeaders.set("X-Forwarded-For", forwardedFor);
  ctx.upstreamHeaders.set("X-Forwarded-Proto", request.secure() ? "https" : "http");
  ctx.upstreamHeaders.set("X-Forwarded-Host", request.getHost());
  ctx.upstreamHeaders.set("X-Request-Id", ctx.requestId);
}

}  // namespace moat::gateway
