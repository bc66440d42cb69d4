// One client request being served: the HTTP objects, the route's pipeline, and the two ways a
// response starts (a gateway-made error, or the upstream's status and headers after the
// response stages have run).
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "config/Config.h"
#include "server/AnswerRewriter.h"
#include "server/ClientRequest.h"
#include "server/ClientResponse.h"
#include "server/SessionBindings.h"
#include "net/HeaderList.h"
#include "pipeline/Pipeline.h"
#include "plugin/RequestContext.h"

namespace moat::gateway {

class Exchange {
 public:
  // The request and response are the gateway's own (ClientRequest, ClientResponse); anything
  // else throws std::bad_cast.
  Exchange(core::RequestContext& ctx, Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
           const core::Pipeline& pipeline, const config::ServerConfig& server, SessionBindings& sessions);

  core::RequestContext& ctx;
  ClientRequest& request;
  ClientResponse& response;
  const core::Pipeline& pipeline;
  const config::ServerConfig& server;
  SessionBindings& sessions;

  // A JSON-RPC error answering this request. Logged at warn level with `reason`.
  void sendError(int httpStatus, int rpcCode, const std::string& message);
  // The local reply a stage made (ctx.reply).
  void sendReply();

  enum class Verdict {
    Send,      // go on: beginResponse or sendWhole
    Resend,    // a stage asked for the request again and its request stages ran again: send it
    Answered,  // the client has its answer already (a stage replied or failed)
  };
  // Runs the response stages on the upstream's status and headers before anything is sent.
  // Only an upstream that can send the request again asks (`mayResend`), and only once per
  // request; otherwise beginResponse and sendWhole run the stages themselves.
  Verdict judgeResponse(int status, const net::HeaderList& upstreamHeaders, bool mayResend);
  // Runs the response stages on the upstream's status and headers, then sends them. Returns
  // the body stream, or nullptr when a stage failed (an error has been sent instead).
  // contentLength < 0 means unknown: the body goes out chunked and is flushed as it arrives.
  std::ostream* beginResponse(int status, const net::HeaderList& upstreamHeaders, long long contentLength);
  // The same for a body already read in full: head and body leave together (POCO's send()
  // would format the head twice to measure it). False when a stage failed.
  bool sendWhole(int status, const net::HeaderList& upstreamHeaders, const std::string& body);

  bool responseStarted() const { return response.sent(); }

  // Set before the upstream is called: the answer's JSON-RPC messages pass through `rewrite`
  // (a route's tool view on a tools/list answer). The body then goes out chunked.
  void rewriteAnswer(MessageRewrite rewrite) { rewrite_ = std::move(rewrite); }
  // Sends what a rewrite still holds; called once the upstream has written the whole answer.
  void endAnswer();

 private:
  // Runs the response stages (unless judgeResponse did) and copies status and headers into the
  // response; false when the client was answered otherwise (a stage replied or failed).
  bool prepareResponse(int status, const net::HeaderList& upstreamHeaders);
  bool judged_ = false;
  bool resent_ = false;
  MessageRewrite rewrite_;
  std::unique_ptr<AnswerRewriter> rewriter_;
  std::unique_ptr<std::ostream> rewritten_;  // declared after rewriter_, so destroyed before it

 public:
  // Set once the request body has been read in full; a reply sent before that closes the
  // connection, since the unread body would otherwise be parsed as the next request.
  bool bodyConsumed = false;
  // How the answer was made, for metrics and the audit: the JSON-RPC code of a gateway-made
  // error (0: none), and the stage that replied or failed (kind Continue: none did).
  int gatewayError = 0;
  core::StageOutcome stoppedBy;

  // The client's socket when it is plain TCP (used to notice a client that went away).
  Poco::Net::StreamSocket* clientSocket();
};

// Headers that describe one hop and never cross a proxy.
bool isHopByHopHeader(const std::string& name);

}  // namespace moat::gateway
