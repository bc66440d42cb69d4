#include "server/ConnectionService.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/NetException.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "server/ClientRequest.h"
#include "server/ClientResponse.h"
#include "moat/jsonrpc.hpp"
#include "net/SocketWait.h"
#include "server/Refusal.h"

namespace moat::gateway {
namespace {

// The Date header, formatted once a second per thread rather than on every request.
const std::string& httpDateNow() {
  thread_local std::time_t formattedAt = 0;
  thread_local std::string formatted;
  std::time_t now = std::time(nullptr);
  if (now != formattedAt) {
    formatted = Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(now), Poco::DateTimeFormat::HTTP_FORMAT);
    formattedAt = now;
  }
  return formatted;
}

std::chrono::steady_clock::time_point after(int ms) { return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms); }

void sendBare(net::BufferedSocket& wire, Poco::Net::HTTPResponse::HTTPStatus status, const std::string& reason) {
  try {
    ClientResponse response(wire);
    response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
    response.setStatus(status);
    response.set("Date", httpDateNow());
    response.setKeepAlive(false);
    response.setContentType("text/plain; charset=utf-8");
    std::string body = reason + "\n";
    response.sendBuffer(body.data(), body.size());
  } catch (const Poco::Exception&) {
    // The client is gone; nothing to tell it.
  }
}

// A client that sends its next request right after an answer (a busy client, a benchmark)
// would otherwise pay a trip through the reactor and another thread's wake-up per request. The
// worker looks this long first; a connection that has sent nothing by then goes to the reactor.
constexpr int kLingerMs = 1;

// Whether a whole head is buffered, reading only what has already arrived.
bool nextHeadArrivesSoon(net::BufferedSocket& wire) {
  if (!net::waitReadable(wire.socket(), kLingerMs)) return false;
  while (wire.fillWithoutWaiting() == net::BufferedSocket::Arrival::Bytes) {
    try {
      if (wire.bufferedHead(kRequestHeadLimit)) return true;
    } catch (const net::BufferedSocket::TooLarge&) {
      return true;  // refused with 431 by the next round
    }
  }
  return false;  // nothing more yet, or closed: the reactor sees either
}

}  // namespace

ConnectionService::ConnectionService(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                                     Timeouts timeouts)
    : params_(std::move(params)), handlers_(std::move(handlers)), timeouts_(timeouts) {}

ConnectionService::Next ConnectionService::serve(ClientConnection& connection) {
  net::BufferedSocket& wire = connection.wire();
  if (!connection.answeredOne) {
    try {
      // The longest a single read of a body may wait (the body as a whole has its own deadline).
      connection.socket().setReceiveTimeout(params_->getTimeout());
    } catch (const Poco::Exception&) {
      return Next::Close;  // the client is already gone
    }
  }
  for (;;) {
    wire.setDeadline(after(timeouts_.headMs));
    bool keepOpen = serveOne(connection);
    wire.clearDeadline();
    if (!keepOpen || closing_) return Next::Close;
    connection.answeredOne = true;
    try {
      if (wire.bufferedHead(kRequestHeadLimit)) continue;  // pipelined: already here
    } catch (const net::BufferedSocket::TooLarge&) {
      continue;  // refused with 431 by the next round
    }
    // Bytes the TLS layer has already decrypted never wake the reactor's epoll.
    if (connection.secure()) {
      if (connection.socket().available() > 0) continue;
      return Next::WaitForRequest;
    }
    if (nextHeadArrivesSoon(wire)) continue;
    return Next::WaitForRequest;
  }
}

bool ConnectionService::serveOne(ClientConnection& connection) {
  net::BufferedSocket& wire = connection.wire();
  const auto& params = *params_;
  ClientResponse response(wire);
  ClientRequest request(wire, response, params, connection.endpoints());
  try {
    if (!request.readHead()) return false;
  } catch (const RequestRefused& refused) {
    sendBare(wire, refused.status, refused.reason);
    return false;
  } catch (const Poco::TimeoutException&) {
    if (wire.deadlinePassed()) {
      try {
        wire.send(refusalText(408, "Request Timeout", jsonrpc::kRequestTimeout, "the request head did not arrive within listen.request_head_timeout", false));
      } catch (const Poco::Exception&) {
        // The client is gone; nothing to tell it.
      }
    }
    return false;
  } catch (const Poco::Exception&) {
    return false;  // the connection failed while the head was read
  }
  wire.setDeadline(after(timeouts_.bodyMs));
  response.answerHead(request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD);
  response.set("Date", httpDateNow());
  response.setVersion(request.getVersion());
  response.setKeepAlive(params.getKeepAlive() && request.getKeepAlive() && !closing_);
  if (!params.getSoftwareVersion().empty()) response.set("Server", params.getSoftwareVersion());
  try {
    std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(handlers_->createRequestHandler(request));
    if (!handler) {
      sendBare(wire, Poco::Net::HTTPResponse::HTTP_NOT_IMPLEMENTED, "no handler for this request");
      return false;
    }
    if (request.getExpectContinue() && request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1) response.sendContinue();
    handler->handleRequest(request, response);
  } catch (const std::exception&) {
    // POCO's exceptions derive from std::exception too.
    if (!response.sent()) sendBare(wire, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "internal gateway error");
    return false;
  }
  if (!response.sent()) {
    sendBare(wire, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "the request was not answered");
    return false;
  }
  // A body cut short or left unread would garble the next exchange on this connection.
  bool complete = response.finish() && request.bodyComplete();
  return complete && params.getKeepAlive() && response.getKeepAlive();
}

}  // namespace moat::gateway
