// The listener's connection loop, in place of POCO's HTTPServerConnection: requests are read and
// answered through our own BufferedSocket, ClientRequest and ClientResponse (heads parsed and
// formatted on strings, no stream buffers held while a connection waits); the wait for a
// keep-alive connection's next request is one poll(2) (POCO 1.11 builds an epoll instance per
// wait); and on stop connections waiting between requests are closed at once instead of holding
// the grace period until their keep-alive timeout.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <atomic>
#include <mutex>
#include <set>

namespace moat::gateway {

class GatewayConnection;

class GatewayConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  GatewayConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers);
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

  // From now on no connection waits for another request; those waiting are closed.
  void closeIdle();
  // Shuts every connection down, including those in the middle of a request.
  void closeAll();

 private:
  friend class GatewayConnection;
  void opened(GatewayConnection* connection);
  void closed(GatewayConnection* connection);

  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
  std::atomic<bool> closing_{false};
  std::mutex mutex_;
  std::set<GatewayConnection*> open_;
};

}  // namespace moat::gateway
