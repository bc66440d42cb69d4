#include "server/Exchange.h"

#include <Poco/Net/SecureStreamSocketImpl.h>
#include <strings.h>

#include "moat/jsonrpc.hpp"
#include "log/Log.h"
#include "metrics/Counters.h"
#include "store/SessionStoreClient.h"

namespace moat::gateway {

bool isHopByHopHeader(const std::string& name) {
  // Called for every header of every request and response: compare only names of equal length.
  static const std::string_view hopByHop[] = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
                                              "trailer", "upgrade", "proxy-authorization", "proxy-authenticate", "content-length"};
  for (std::string_view h : hopByHop)
    if (h.size() == name.size() && ::strncasecmp(name.data(), h.data(), h.size()) == 0) return true;
  return false;
}

Exchange::Exchange(core::RequestContext& c, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res,
                   const core::Pipeline& p, const config::ServerConfig& s, SessionBindings& b)
    : ctx(c), request(dynamic_cast<ClientRequest&>(req)), response(dynamic_cast<ClientResponse&>(res)), pipeline(p), server(s), sessions(b) {}

void Exchange::sendError(int httpStatus, int rpcCode, const std::string& message) {
  log::warn("proxy", "request failed",
            {{"server", server.name}, {"status", std::to_string(httpStatus)}, {"reason", message}});
  metrics::add("requests_failed");
  if (response.sent()) return;
  gatewayError = rpcCode;
  std::string body = jsonrpc::errorBody(jsonrpc::idJson(ctx.body), rpcCode, message);
  if (!bodyConsumed && (request.getChunkedTransferEncoding() || request.getContentLength64() > 0)) response.setKeepAlive(false);
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(httpStatus));
  response.setContentType("application/json");
  response.set("X-Request-Id", ctx.requestId);
  response.sendBuffer(body.data(), body.size());
}

void Exchange::sendReply() {
  const auto& reply = *ctx.reply;
  if (response.sent()) return;
  if (!bodyConsumed && (request.getChunkedTransferEncoding() || request.getContentLength64() > 0)) response.setKeepAlive(false);
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.set("X-Request-Id", ctx.requestId);
  response.sendBuffer(reply.body.data(), reply.body.size());
}

Exchange::Verdict Exchange::judgeResponse(int status, const net::HeaderList& upstreamHeaders, bool mayResend) {
  judged_ = true;
  ctx.responseStatus = static_cast<uint16_t>(status);
  ctx.responseHeaders.clear();
  for (const auto& [name, value] : upstreamHeaders)
    if (!isHopByHopHeader(name)) ctx.responseHeaders.add(name, value);
  if (pipeline.empty()) return Verdict::Send;
  core::StageOutcome outcome = pipeline.runResponse(ctx, mayResend && !resent_);
  if (outcome.kind != core::StageOutcome::Kind::Continue) stoppedBy = outcome;
  if (outcome.kind == core::StageOutcome::Kind::Retry) {
    resent_ = true;
    log::info("pipeline", "sending the request again, as a stage asked",
              {{"server", server.name}, {"stage", outcome.stage}, {"status", std::to_string(status)}});
    metrics::add("requests_resent");
    ctx.responseStatus = 0;
    ctx.responseHeaders.clear();
    outcome = pipeline.runRequest(ctx, outcome.position);
    if (outcome.kind == core::StageOutcome::Kind::Continue) return Verdict::Resend;
    stoppedBy = outcome;
  }
  if (outcome.kind == core::StageOutcome::Kind::Replied) {
    sendReply();
    return Verdict::Answered;
  }
  if (outcome.kind != core::StageOutcome::Kind::Continue) {
    log::error("pipeline", "stage failed", {{"stage", outcome.stage}, {"reason", outcome.message}});
    sendError(500, jsonrpc::kStageFailed, "stage " + outcome.stage + " failed: " + outcome.message);
    return Verdict::Answered;
  }
  return Verdict::Send;
}

bool Exchange::prepareResponse(int status, const net::HeaderList& upstreamHeaders) {
  if (!judged_ && judgeResponse(status, upstreamHeaders, false) == Verdict::Answered) return false;
  // Every session is remembered (under "" without authentication) so the gauge can count it;
  // only an authenticated one is ever checked against its subject.
  const bool ended = (ctx.httpMethod == "DELETE" && status >= 200 && status < 300) || status == 404;
  if (ended && ctx.upstreamHeaders.has("Mcp-Session-Id")) sessions.forget(ctx.upstreamHeaders.get("Mcp-Session-Id"));
  else if (status >= 200 && status < 300 && ctx.responseHeaders.has("Mcp-Session-Id")) {
    try {
      sessions.bind(ctx.responseHeaders.get("Mcp-Session-Id"), ctx.identitySubject.value_or(""));
    } catch (const core::StoreUnavailable& e) {
      // Other replicas could not check the new session's owner: it is not handed out.
      log::error("sessions", "new session refused: the session store is unavailable", {{"reason", e.what()}});
      sendError(503, jsonrpc::kSessionStoreUnavailable, "the session store is unavailable; try again shortly");
      return false;
    }
  }
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  ctx.responseHeaders.set("X-Request-Id", ctx.requestId);
  // The connection wrote its own Date header; the upstream's replaces it rather than doubling it.
  if (ctx.responseHeaders.has("Date")) response.erase("Date");
  response.addFields(ctx.responseHeaders);
  return true;
}

namespace {

// A rewritten tools/list answer may not exceed this; past it the client gets an error instead.
constexpr size_t kRewriteLimit = 16 * 1024 * 1024;

AnswerFormat formatOf(const net::HeaderList& headers) {
  return headers.has("Content-Type") ? answerFormat(headers.get("Content-Type")) : AnswerFormat::Other;
}

}  // namespace

std::ostream* Exchange::beginResponse(int status, const net::HeaderList& upstreamHeaders, long long contentLength) {
  if (!prepareResponse(status, upstreamHeaders)) return nullptr;
  const AnswerFormat format = formatOf(upstreamHeaders);
  if (rewrite_ && status == 200 && format != AnswerFormat::Other) {
    response.setChunkedTransferEncoding(true);
    std::string tooLarge = jsonrpc::errorBody(jsonrpc::idJson(ctx.body), jsonrpc::kTooLarge,
                                              "the answer is too large for the gateway to filter (over 16 MiB)");
    rewriter_ = std::make_unique<AnswerRewriter>(response.send(), format, rewrite_, kRewriteLimit, std::move(tooLarge));
    rewritten_ = std::make_unique<std::ostream>(rewriter_.get());
    return rewritten_.get();
  }
  if (contentLength >= 0) response.setContentLength64(contentLength);
  else response.setChunkedTransferEncoding(true);
  return &response.send();
}

bool Exchange::sendWhole(int status, const net::HeaderList& upstreamHeaders, const std::string& body) {
  if (!prepareResponse(status, upstreamHeaders)) return false;
  const AnswerFormat format = formatOf(upstreamHeaders);
  if (rewrite_ && status == 200 && format != AnswerFormat::Other) {
    const std::string rewritten = gateway::rewriteAnswer(body, format, rewrite_);
    response.sendBuffer(rewritten.data(), rewritten.size());
    return true;
  }
  response.sendBuffer(body.data(), body.size());
  return true;
}

void Exchange::endAnswer() {
  if (rewriter_) rewriter_->finish();
}

Poco::Net::StreamSocket* Exchange::clientSocket() {
  Poco::Net::StreamSocket& socket = request.socket();
  if (dynamic_cast<Poco::Net::SecureStreamSocketImpl*>(socket.impl())) return nullptr;
  return &socket;
}

}  // namespace moat::gateway
