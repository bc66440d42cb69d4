// The gateway's one network thread before a request reaches a worker: it accepts connections,
// enforces the connection limits, and holds every connection that is between requests or whose
// request head is still arriving, in one epoll set. Such a connection costs a descriptor and a
// few hundred bytes, never a thread, so slow or idle clients cannot take workers away from
// others. A connection leaves for a worker once its request head has arrived whole, and comes
// back when the worker has answered and the client may send another.
#pragma once

#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "server/ClientConnection.h"

namespace moat::gateway {

class ConnectionReactor {
 public:
  struct Timeouts {
    int headMs = 10000;       // from a head's first byte (or from accept) to its blank line
    int keepAliveMs = 10000;  // between an answer and the next request's first byte
  };
  // Takes a connection whose request head has arrived whole (a TLS connection: whose first
  // bytes have arrived). Leaves it with the caller and returns false when no worker can take it.
  using Dispatch = std::function<bool(std::unique_ptr<ClientConnection>&)>;

  ConnectionReactor(Poco::Net::ServerSocket listener, Timeouts timeouts, ConnectionLedger& ledger, Dispatch dispatch);
  ~ConnectionReactor();

  void start();
  uint16_t port() const { return port_; }

  // From a worker: the connection has been answered; wait for its next request. Any thread.
  void park(std::unique_ptr<ClientConnection> connection);
  // Stops accepting, closes every waiting connection, and closes connections parked from now on.
  void closeIdle();
  // Ends the reactor's thread; what it still holds is closed.
  void stop();

 private:
  enum class Phase { Idle, Head };
  struct Waiting {
    std::unique_ptr<ClientConnection> connection;
    Phase phase;
    std::chrono::steady_clock::time_point deadline;
  };

  void run();
  void acceptAll();
  void admit(const Poco::Net::StreamSocket& socket);
  // Answers a connection the limits refuse, then keeps reading (and dropping) what the client
  // still sends until it closes or a moment passes: closing with its request unread would reset
  // the connection, and the client could lose the answer.
  void refuse(const Poco::Net::StreamSocket& socket, int status, const char* reason, const std::string& message);
  void drainLingering(int fd);
  void expireLingering(std::chrono::steady_clock::time_point now);
  void readable(int fd);
  void expire(std::chrono::steady_clock::time_point now);
  void wait(std::unique_ptr<ClientConnection> connection, Phase phase, std::chrono::steady_clock::time_point deadline);
  std::unique_ptr<ClientConnection> release(int fd);
  void handOff(int fd);
  int millisToNextDeadline() const;

  Poco::Net::ServerSocket listener_;
  const Timeouts timeouts_;
  ConnectionLedger& ledger_;
  const Dispatch dispatch_;
  uint16_t port_ = 0;
  int epoll_ = -1;
  int wake_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool closing_ = false;       // under mutex_: waiting connections are closed, not kept
  bool listening_ = false;     // under mutex_: the listener is in the epoll set
  std::chrono::steady_clock::time_point acceptPausedUntil_{};

  mutable std::mutex mutex_;
  std::unordered_map<int, Waiting> waiting_;
  std::set<std::pair<std::chrono::steady_clock::time_point, int>> deadlines_;
  struct Lingering {
    Poco::Net::StreamSocket socket;
    std::chrono::steady_clock::time_point until;
  };
  std::unordered_map<int, Lingering> lingering_;
  // Every linger lasts as long, so the order they began is the order they end.
  std::deque<std::pair<std::chrono::steady_clock::time_point, int>> lingerOrder_;
};

}  // namespace moat::gateway
