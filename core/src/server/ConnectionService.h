// What a worker does with a connection whose request head has arrived: it serves requests on it
// while whole heads are waiting (pipelined requests), then says whether the connection goes back
// to the reactor to wait for the next request or closes. Requests are read and answered through
// our own BufferedSocket, ClientRequest and ClientResponse (heads parsed and formatted on
// strings, no stream buffers held while a connection waits).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>

#include <atomic>

#include "server/ClientConnection.h"

namespace moat::gateway {

class ConnectionService {
 public:
  struct Timeouts {
    int headMs = 10000;  // for a head a worker has to read itself (TLS, pipelined)
    int bodyMs = 30000;  // from the end of the head to the end of the body
  };
  ConnectionService(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, Timeouts timeouts);

  enum class Next { WaitForRequest, Close };
  Next serve(ClientConnection& connection);
  // From now on every connection closes once its current request is answered.
  void closeAfterCurrent() { closing_ = true; }

 private:
  // Serves one request; false when the connection must close after it.
  bool serveOne(ClientConnection& connection);

  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
  const Timeouts timeouts_;
  std::atomic<bool> closing_{false};
};

}  // namespace moat::gateway
