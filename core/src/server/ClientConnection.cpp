#include "server/ClientConnection.h"

#include <Poco/Net/NetException.h>

namespace moat::gateway {

ConnectionLedger::Admission ConnectionLedger::admit(const std::string& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (admitted_ >= limits_.total) return Admission::TooManyTotal;
  size_t& fromClient = perClient_[client];
  if (fromClient >= limits_.perClient) {
    if (fromClient == 0) perClient_.erase(client);
    return Admission::TooManyFromClient;
  }
  ++fromClient;
  ++admitted_;
  return Admission::Admitted;
}

size_t ConnectionLedger::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return admitted_;
}

void ConnectionLedger::shutdownAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto* connection : open_) connection->shutdown();
}

void ConnectionLedger::enter(ClientConnection* connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.insert(connection);
}

void ConnectionLedger::leave(ClientConnection* connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(connection);
  auto it = perClient_.find(connection->client());
  if (it != perClient_.end() && --it->second == 0) perClient_.erase(it);
  --admitted_;
}

ClientConnection::ClientConnection(const Poco::Net::StreamSocket& socket, const std::string& client, ConnectionLedger& ledger)
    : socket_(socket), wire_(socket_), client_(client), ledger_(ledger), fd_(socket_.impl()->sockfd()), secure_(socket_.secure()) {
  ledger_.enter(this);
  try {
    endpoints_ = {socket_.peerAddress(), socket_.address()};
  } catch (const Poco::Exception&) {
    // Gone already: the first read fails and the connection is dropped.
  }
}

ClientConnection::~ClientConnection() {
  ledger_.leave(this);  // first: shutdownAll must not reach a socket being closed
  try {
    socket_.close();
  } catch (const Poco::Exception&) {
    // Closing a socket the peer reset.
  }
}

void ClientConnection::shutdown() {
  try {
    socket_.shutdown();
  } catch (const Poco::Exception&) {
    // Already closed by the peer.
  }
}

}  // namespace moat::gateway
