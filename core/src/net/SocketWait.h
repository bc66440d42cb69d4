// Waiting on a socket with one poll(2) call. POCO 1.11's Socket::poll builds and tears down an
// epoll instance on every call (four system calls); on the request path that was a measurable
// share of each proxied call.
#pragma once

#include <Poco/Net/Socket.h>

namespace moat::net {

// True when the socket has bytes to read, a peer close or an error pending within timeoutMs
// (0: just look). TLS sockets go through POCO's poll, which knows about the TLS layer.
bool waitReadable(const Poco::Net::Socket& socket, int timeoutMs);

// True when the peer has closed the connection or it failed: readable, but a peek yields nothing.
// Plain TCP only; for a TLS socket it cannot tell and says false.
bool peerClosed(const Poco::Net::Socket& socket);

}  // namespace moat::net
