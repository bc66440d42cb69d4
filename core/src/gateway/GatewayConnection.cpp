#include "gateway/GatewayConnection.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>

#include <ctime>
#include <memory>

#include "net/SocketWait.h"

namespace moat::gateway {
namespace {

// HTTPSession::buffered() is protected; a pipelined request already read needs no wait.
class ServerSession : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  bool holdsUnreadBytes() const { return buffered() > 0; }
};

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
    ServerSession session(socket(), owner_.params_);
    bool first = true;
    while (awaitRequest(session, first)) {
      first = false;
      if (!serveOne(session)) break;
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
  bool awaitRequest(ServerSession& session, bool first) {
    if (session.holdsUnreadBytes()) return true;
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
  bool serveOne(ServerSession& session) {
    const auto& params = *owner_.params_;
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      Poco::Net::HTTPServerRequestImpl request(response, session, owner_.params_);
      response.set("Date", httpDateNow());
      response.setVersion(request.getVersion());
      response.setKeepAlive(params.getKeepAlive() && request.getKeepAlive());
      if (!params.getSoftwareVersion().empty()) response.set("Server", params.getSoftwareVersion());
      try {
        std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(owner_.handlers_->createRequestHandler(request));
        if (!handler) {
          sendBare(session, Poco::Net::HTTPResponse::HTTP_NOT_IMPLEMENTED);
          return false;
        }
        if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK) response.sendContinue();
        handler->handleRequest(request, response);
      } catch (const Poco::Exception&) {
        if (!response.sent()) sendBare(session, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
        return false;
      }
      bool keepAlive = params.getKeepAlive() && response.getKeepAlive();
      session.setKeepAlive(keepAlive);
      return keepAlive;
    } catch (const Poco::Net::NoMessageException&) {
      return false;  // the client closed the connection between requests
    } catch (const Poco::Net::MessageException&) {
      sendBare(session, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
      return false;
    } catch (const Poco::Exception&) {
      return false;  // the connection failed while the request was read
    }
  }

  static void sendBare(ServerSession& session, Poco::Net::HTTPResponse::HTTPStatus status) {
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
      response.setStatusAndReason(status);
      response.setKeepAlive(false);
      response.send();
    } catch (const Poco::Exception&) {
      // The client is gone; nothing to tell it.
    }
  }

  GatewayConnectionFactory& owner_;
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
