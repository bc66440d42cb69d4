#include "upstream/StreamableHttpUpstream.h"

#include <Poco/Net/NetException.h>

#include "moat/jsonrpc.hpp"
#include "upstream/StreamPump.h"
#include "log/Log.h"

namespace moat::gateway {
namespace {

// The upstream path with the client's query string, if any.
std::string targetPath(const Poco::URI& target, const std::string& clientPath) {
  std::string path = target.getPathAndQuery();
  if (path.empty()) path = "/";
  auto q = clientPath.find('?');
  if (q != std::string::npos) path += (target.getQuery().empty() ? "?" : "&") + clientPath.substr(q + 1);
  return path;
}

// A JSON answer up to this size is read whole and sent with its head in one piece; larger ones
// are copied through as they arrive, so memory stays bounded.
constexpr long long kWholeBodyLimit = 1 << 20;


}  // namespace

StreamableHttpUpstream::StreamableHttpUpstream(const config::UpstreamConfig& config, Unreachable unreachable)
    : target_(config.url), config_(config), pool_(target_, config.connectTimeoutMs, config.timeoutMs), unreachable_(std::move(unreachable)) {
  if (!unreachable_)
    unreachable_ = [authority = target_.getAuthority()](Exchange& exchange, const std::string& reason) {
      exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream " + authority + " " + reason);
    };
}

void StreamableHttpUpstream::forward(Exchange& exchange) {
  UpstreamResponse in;
  std::unique_ptr<UpstreamSession> session;
  std::istream* body = nullptr;
  for (;;) {
    body = send(exchange, in, session);
    if (!body) return;
    Exchange::Verdict verdict = exchange.judgeResponse(in.status, in.headers, true);
    if (verdict == Exchange::Verdict::Send) break;
    // The client's answer is not this response: its connection goes, unread body and all.
    try {
      session->http().abort();
    } catch (const Poco::Exception&) {
    }
    if (verdict == Exchange::Verdict::Answered) return;
    in = UpstreamResponse();
  }

  bool streaming = in.isEventStream() || in.chunked;
  long long length = streaming ? -1 : in.contentLength;
  if (length >= 0 && length <= kWholeBodyLimit) {
    forwardWhole(exchange, in, *body, static_cast<size_t>(length), std::move(session));
    return;
  }
  std::ostream* client = exchange.beginResponse(in.status, in.headers, length);
  if (!client) return;
  bool waitOnSocket = streaming || length < 0;
  PumpEnd end = pumpBody(*body, *session, *client, waitOnSocket ? exchange.clientSocket() : nullptr, waitOnSocket);
  if (end == PumpEnd::UpstreamFinished && !in.isEventStream() && in.keepAlive) {
    pool_.release(std::move(session));
  } else if (end != PumpEnd::UpstreamFinished) {
    log::debug("proxy", "stream ended", {{"server", exchange.server.name}, {"reason", pumpEndName(end)}});
    if (end == PumpEnd::UpstreamFailed && in.isEventStream()) answerCutStream(exchange, *client);
    try {
      session->http().abort();
    } catch (const Poco::Exception&) {
      // The upstream already closed it.
    }
  }
}

std::istream* StreamableHttpUpstream::send(Exchange& exchange, UpstreamResponse& in, std::unique_ptr<UpstreamSession>& session) {
  core::RequestContext& ctx = exchange.ctx;
  const std::string path = targetPath(target_, ctx.path);
  std::istream* body = nullptr;
  // A pooled connection the upstream closed just now can fail while the request is written;
  // only then is one retry on a fresh connection safe. A failure after the request was sent is
  // never retried: the upstream may have acted on it (a tools/call must not run twice).
  for (int attempt = 0; attempt < 2 && !body; ++attempt) {
    session = attempt == 0 ? pool_.acquire() : pool_.fresh();
    bool sent = false;
    try {
      session->sendRequest(ctx.httpMethod, path, ctx.upstreamHeaders, ctx.body);
      sent = true;
      body = &session->receiveResponse(in);
    } catch (const Poco::Net::ConnectionRefusedException&) {
      unreachable_(exchange, "refused the connection");
      return nullptr;
    } catch (const Poco::TimeoutException&) {
      if (!sent && !session->reused) {
        unreachable_(exchange, "did not take the connection within " + std::to_string(config_.connectTimeoutMs) + " ms");
        return nullptr;
      }
      exchange.sendError(504, jsonrpc::kUpstreamTimeout,
                         "upstream " + target_.getAuthority() + " did not answer within " + std::to_string(config_.timeoutMs) + " ms");
      return nullptr;
    } catch (const Poco::Exception& e) {
      if (session->reused && !sent && attempt == 0) continue;
      if (!sent) unreachable_(exchange, "failed: " + e.displayText());
      else exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream " + target_.getAuthority() + " failed: " + e.displayText());
      return nullptr;
    }
  }
  if (!body) exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream " + target_.getAuthority() + " closed the connection");
  return body;
}

// A server that dies in the middle of a POST's event stream leaves the stream cut short (a
// stream it ends on purpose, to be resumed, ends cleanly and passes as it is): the request's
// answer is then a JSON-RPC error event, so the client is not left waiting for it. Whether the
// answer had already passed is not tracked; a client then sees one extra error for an id it has
// (MCP SDKs ignore answers to ids they no longer wait for).
void StreamableHttpUpstream::answerCutStream(Exchange& exchange, std::ostream& client) {
  if (exchange.ctx.httpMethod != "POST") return;
  std::string id = jsonrpc::idJson(std::string_view(exchange.ctx.body));
  if (id == "null") return;
  std::string message = "upstream " + target_.getAuthority() + " ended the stream before answering";
  client << "event: message\ndata: " << jsonrpc::errorBody(id, jsonrpc::kUpstreamUnreachable, message) << "\n\n";
  client.flush();
}

void StreamableHttpUpstream::forwardWhole(Exchange& exchange, const UpstreamResponse& in, std::istream& body, size_t length,
                                          std::unique_ptr<UpstreamSession> session) {
  std::string payload(length, '\0');
  try {
    body.read(payload.data(), static_cast<std::streamsize>(length));
  } catch (const std::exception&) {
    // Reported below as a short read.
  }
  if (static_cast<size_t>(body.gcount()) != length) {
    try {
      session->http().abort();
    } catch (const Poco::Exception&) {
    }
    exchange.sendError(502, jsonrpc::kUpstreamUnreachable, "upstream " + target_.getAuthority() + " closed the connection in the middle of its answer");
    return;
  }
  exchange.sendWhole(in.status, in.headers, payload);
  if (in.keepAlive) pool_.release(std::move(session));
}

}  // namespace moat::gateway
