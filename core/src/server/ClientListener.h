// The client side of the gateway as one object: the connection reactor that accepts and holds
// waiting connections, the workers that serve requests, and the ledger of open connections,
// wired together and stopped in the right order.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>

#include <memory>

#include "server/ClientConnection.h"
#include "server/ConnectionReactor.h"
#include "server/ConnectionService.h"
#include "server/WorkerPool.h"

namespace moat::gateway {

class ClientListener {
 public:
  struct Settings {
    size_t threads = 256;
    size_t maxQueued = 512;
    int headTimeoutMs = 10000;
    int bodyTimeoutMs = 30000;
    int keepAliveTimeoutMs = 10000;
    int readTimeoutMs = 60000;  // the longest one read of a body may wait
    size_t maxConnections = 10000;
    size_t maxConnectionsPerClient = 1024;
  };
  ClientListener(Poco::Net::ServerSocket socket, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, const Settings& settings);
  ~ClientListener();

  void start();
  uint16_t port() const { return reactor_->port(); }
  size_t openConnections() const { return ledger_->open(); }

  // Stops accepting and closes the connections waiting between requests; those in the middle
  // of one close once it is answered.
  void stopAccepting();
  // Waits up to graceMs for requests in flight, then cuts what is left and joins the workers.
  void finish(int graceMs);

 private:
  std::unique_ptr<ConnectionLedger> ledger_;
  std::unique_ptr<ConnectionService> service_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<ConnectionReactor> reactor_;
  bool finished_ = false;
};

}  // namespace moat::gateway
