#include "server/ListeningSocket.h"

#include <Poco/Net/SecureServerSocket.h>

namespace moat::server {

Poco::Net::ServerSocket listenExclusively(const Poco::Net::SocketAddress& address, int backlog) {
  Poco::Net::ServerSocket socket;
  socket.bind(address, true, false);
  socket.listen(backlog);
  return socket;
}

Poco::Net::ServerSocket listenExclusively(const Poco::Net::SocketAddress& address, int backlog, Poco::Net::Context::Ptr tls) {
  Poco::Net::SecureServerSocket socket(tls);
  socket.bind(address, true, false);
  socket.listen(backlog);
  return socket;
}

}  // namespace moat::server
