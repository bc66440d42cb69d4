// One accepted client connection. The reactor owns it while it waits for a request head; a
// worker owns it while a request on it is served. Every open connection is on the ledger, which
// enforces the connection limits and lets shutdown reach connections in the middle of a request.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "net/BufferedSocket.h"
#include "server/ClientRequest.h"

namespace moat::gateway {

class ClientConnection;

class ConnectionLedger {
 public:
  struct Limits {
    size_t total = 0;
    size_t perClient = 0;
  };
  explicit ConnectionLedger(Limits limits) : limits_(limits) {}

  enum class Admission { Admitted, TooManyTotal, TooManyFromClient };
  // Whether one more connection from `client` (an IP address) fits; counts it if so.
  Admission admit(const std::string& client);
  size_t open() const;
  // Shuts down the socket of every open connection; their owners notice and let go.
  void shutdownAll();

 private:
  friend class ClientConnection;
  void enter(ClientConnection* connection);
  void leave(ClientConnection* connection);

  const Limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, size_t> perClient_;
  size_t admitted_ = 0;  // admitted but not yet entered, plus entered
  std::set<ClientConnection*> open_;
};

class ClientConnection {
 public:
  // `client` must have been admitted by `ledger`; the connection leaves it when destroyed.
  ClientConnection(const Poco::Net::StreamSocket& socket, const std::string& client, ConnectionLedger& ledger);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  Poco::Net::StreamSocket& socket() { return socket_; }
  net::BufferedSocket& wire() { return wire_; }
  const ClientEndpoints& endpoints() const { return endpoints_; }
  const std::string& client() const { return client_; }
  int fd() const { return fd_; }
  bool secure() const { return secure_; }
  // Shuts the socket down from any thread; the owner's next read or write fails.
  void shutdown();

  // Set once a request has been answered; the connection then waits under the keep-alive timeout.
  bool answeredOne = false;

 private:
  Poco::Net::StreamSocket socket_;
  net::BufferedSocket wire_;
  ClientEndpoints endpoints_;
  std::string client_;
  ConnectionLedger& ledger_;
  int fd_;
  bool secure_;
};

}  // namespace moat::gateway
