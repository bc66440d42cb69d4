#include "server/GatewayConnection.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>

#include <ctime>
#include <memory>

#include "server/ClientRequest.h"
#include "server/ClientResponse.h"
#include "net/BufferedSocket.h"
#include "net/SocketWait.h"

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

int millis(const Poco::Timespan& span) { return static_cast<int>(span.totalMilliseconds()); }

}  // namespace

class GatewayConnection : public Poco::Net::TCPServerConnection {
 public:
  GatewayConnection(const Poco::Net::StreamSocket& socket, GatewayConnectionFactory& owner)
      : TCPServerConnection(socket), owner_(owner) {
    owner_.opened(this);
  }
  ~GatewayConnection() override { owner_.closed(this); }

  void run() override {
    net::BufferedSocket wire(socket());
    try {
      // A client that stalls inside a request head or body is dropped after this long.
      socket().setReceiveTimeout(owner_.params_->getTimeout());
      endpoints_ = {socket().peerAddress(), socket().address()};
    } catch (const Poco::Exception&) {
      return;  // the client is already gone
    }
    bool first = true;
    while (awaitRequest(wire, first)) {
      first = false;
      if (!serveOne(wire)) break;
    }
  }

  bool idle() const { return idle_; }
  void shutdown() {
    try {
      socket().shutdown();
    } catch (const Poco::Exception&) {
      // Already closed by the peer.
    }
  }

 private:
  bool awaitRequest(net::BufferedSocket& wire, bool first) {
    if (wire.holdsUnreadBytes()) return true;  // a pipelined request already read
    idle_ = true;
    // Set before the flag is read: closeIdle() either sees this connection idle or is seen here.
    if (owner_.closing_) {
      idle_ = false;
      return false;
    }
    bool ready = net::waitReadable(socket(), millis(first ? owner_.params_->getTimeout() : owner_.params_->getKeepAliveTimeout()));
    idle_ = false;
    return ready;
  }

  // Serves one request; false when the connection must close after it.
  bool serveOne(net::BufferedSocket& wire) {
    const auto& params = *owner_.params_;
    ClientResponse response(wire);
    ClientRequest request(wire, response, params, endpoints_);
    try {
      if (!request.readHead()) return false;
    } catch (const RequestRefused& refused) {
      sendBare(wire, refused.status, refused.reason);
      return false;
    } catch (const Poco::Exception&) {
      return false;  // the connection failed or timed out while the head was read
    }
    response.answerHead(request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD);
    response.set("Date", httpDateNow());
    response.setVersion(request.getVersion());
    response.setKeepAlive(params.getKeepAlive() && request.getKeepAlive());
    if (!params.getSoftwareVersion().empty()) response.set("Server", params.getSoftwareVersion());
    try {
      std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(owner_.handlers_->createRequestHandler(request));
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

  static void sendBare(net::BufferedSocket& wire, Poco::Net::HTTPResponse::HTTPStatus status, const std::string& reason) {
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

  GatewayConnectionFactory& owner_;
  ClientEndpoints endpoints_;
  std::atomic<bool> idle_{false};
};

GatewayConnectionFactory::GatewayConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                                                   Poco::Net::HTTPRequestHandlerFactory::Ptr handlers)
    : params_(std::move(params)), handlers_(std::move(handlers)) {}

Poco::Net::TCPServerConnection* GatewayConnectionFactory::createConnection(const Poco::Net::StreamSocket& socket) {
  return new GatewayConnection(socket, *this);
}

void GatewayConnectionFactory::opened(GatewayConnection* connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.insert(connection);
}

void GatewayConnectionFactory::closed(GatewayConnection* connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(connection);
}

void GatewayConnectionFactory::closeIdle() {
  closing_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto* connection : open_)
    if (connection->idle()) connection->shutdown();
}

void GatewayConnectionFactory::closeAll() {
  closing_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto* connection : open_) connection->shutdown();
}

}  // namespace moat::gateway
