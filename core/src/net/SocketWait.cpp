#include "net/SocketWait.h"

#include <Poco/Net/SecureStreamSocketImpl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace moat::net {
namespace {

bool isTls(const Poco::Net::Socket& socket) {
  return dynamic_cast<const Poco::Net::SecureStreamSocketImpl*>(socket.impl()) != nullptr;
}

}  // namespace

bool waitReadable(const Poco::Net::Socket& socket, int timeoutMs) {
  if (isTls(socket))
    return socket.poll(Poco::Timespan(static_cast<long>(timeoutMs) * 1000), Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR);
  pollfd watched{socket.impl()->sockfd(), POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&watched, 1, timeoutMs);
  } while (ready < 0 && errno == EINTR);
  return ready != 0;  // an error counts as readable: the read that follows reports it
}

bool peerClosed(const Poco::Net::Socket& socket) {
  if (!waitReadable(socket, 0)) return false;
  if (isTls(socket)) return false;  // a peek would see TLS records, not the peer's intent
  char probe;
  ssize_t n;
  do {
    n = ::recv(socket.impl()->sockfd(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

}  // namespace moat::net
