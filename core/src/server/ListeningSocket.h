#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

namespace moat::server {

// POCO's ServerSocket(address, backlog) sets SO_REUSEPORT as well as SO_REUSEADDR, so a second
// process of the same user could bind a port Moat already holds and silently take half of its
// connections. These bind with SO_REUSEADDR only (a restart can reuse a port in TIME_WAIT) and
// fail when the port is taken.
Poco::Net::ServerSocket listenExclusively(const Poco::Net::SocketAddress& address, int backlog);
Poco::Net::ServerSocket listenExclusively(const Poco::Net::SocketAddress& address, int backlog, Poco::Net::Context::Ptr tls);

}  // namespace moat::server
