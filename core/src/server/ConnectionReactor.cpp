#include "server/ConnectionReactor.h"

#include <Poco/Net/NetException.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "log/Log.h"
#include "metrics/Counters.h"
#include "moat/jsonrpc.hpp"
#include "server/Refusal.h"

namespace moat::gateway {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kListenerToken = ~uint64_t{0};
constexpr uint64_t kWakeToken = ~uint64_t{0} - 1;
// Deadlines are looked at at least this often; a timeout may run over by up to this much.
constexpr int kLongestWaitMs = 500;
// Accepting stops this long when the process is out of descriptors, instead of spinning on a
// listener that stays readable.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
// Connections accepted per wake-up, so that a flood of new ones does not starve waiting ones.
constexpr int kAcceptBatch = 256;
// Refused connections read from after their answer, at most this many at once, this long each.
constexpr size_t kMostLingering = 1024;
constexpr auto kLinger = std::chrono::milliseconds(500);
constexpr uint64_t kLingerBit = uint64_t{1} << 62;

// Written straight to the socket without waiting: these answers fit any socket buffer.
void answerAndForget(int fd, int status, const char* reason, int rpcCode, const std::string& message, bool retryAfter) {
  std::string text = refusalText(status, reason, rpcCode, message, retryAfter);
  ssize_t sent;
  do {
    sent = ::send(fd, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
}

std::string clientAddressOf(const Poco::Net::StreamSocket& socket) {
  try {
    return socket.peerAddress().host().toString();
  } catch (const Poco::Exception&) {
    return {};
  }
}

}  // namespace

ConnectionReactor::ConnectionReactor(Poco::Net::ServerSocket listener, Timeouts timeouts, ConnectionLedger& ledger, Dispatch dispatch)
    : listener_(std::move(listener)), timeouts_(timeouts), ledger_(ledger), dispatch_(std::move(dispatch)) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("cannot create the connection reactor's epoll set");
  port_ = listener_.address().port();
  listener_.setBlocking(false);
}

ConnectionReactor::~ConnectionReactor() {
  stop();
  ::close(wake_);
  ::close(epoll_);
}

void ConnectionReactor::start() {
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = kWakeToken;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &wake);
  epoll_event listen{};
  listen.events = EPOLLIN;
  listen.data.u64 = kListenerToken;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_.impl()->sockfd(), &listen) != 0)
    throw std::runtime_error("cannot watch the listening socket");
  listening_ = true;
  thread_ = std::thread([this] { run(); });
}

void ConnectionReactor::run() {
  std::vector<epoll_event> events(128);
  while (!stopping_) {
    int timeout;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      timeout = millisToNextDeadline();
    }
    int ready = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
    if (ready < 0 && errno != EINTR) {
      log::error("gateway", "the connection reactor stopped", {{"reason", std::strerror(errno)}});
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (int i = 0; i < ready; ++i) {
      uint64_t token = events[i].data.u64;
      if (token == kWakeToken) {
        uint64_t count;
        while (::read(wake_, &count, sizeof count) > 0) {
        }
      } else if (token == kListenerToken) {
        acceptAll();
      } else if (token & kLingerBit) {
        drainLingering(static_cast<int>(token & ~kLingerBit));
      } else {
        readable(static_cast<int>(token));
      }
    }
    auto now = Clock::now();
    expire(now);
    expireLingering(now);
    if (!listening_ && !closing_ && now >= acceptPausedUntil_) {
      epoll_event listen{};
      listen.events = EPOLLIN;
      listen.data.u64 = kListenerToken;
      listening_ = ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_.impl()->sockfd(), &listen) == 0;
    }
  }
}

void ConnectionReactor::acceptAll() {
  for (int i = 0; i < kAcceptBatch && listening_; ++i) {
    Poco::Net::StreamSocket socket;
    try {
      socket = listener_.acceptConnection();
    } catch (const Poco::Exception& e) {
      if (e.code() == EAGAIN || e.code() == EWOULDBLOCK || e.code() == EINTR || e.code() == ECONNABORTED) return;
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listener_.impl()->sockfd(), nullptr);
      listening_ = false;
      acceptPausedUntil_ = Clock::now() + kAcceptPause;
      log::warn("gateway", "cannot accept connections; pausing", {{"reason", e.displayText()}, {"open_connections", std::to_string(ledger_.open())}});
      return;
    }
    admit(socket);
  }
}

void ConnectionReactor::admit(const Poco::Net::StreamSocket& socket) {
  std::string client = clientAddressOf(socket);
  switch (ledger_.admit(client)) {
    case ConnectionLedger::Admission::TooManyTotal:
      refuse(socket, 503, "Service Unavailable", "the gateway holds as many connections as listen.max_connections allows");
      return;
    case ConnectionLedger::Admission::TooManyFromClient:
      refuse(socket, 429, "Too Many Requests", "this client holds as many connections as listen.max_connections_per_client allows");
      return;
    case ConnectionLedger::Admission::Admitted: break;
  }
  auto connection = std::make_unique<ClientConnection>(socket, client, ledger_);
  // The first request's head must be complete this long after the connection opened.
  wait(std::move(connection), Phase::Head, Clock::now() + std::chrono::milliseconds(timeouts_.headMs));
}

void ConnectionReactor::refuse(const Poco::Net::StreamSocket& socket, int status, const char* reason, const std::string& message) {
  metrics::add("connections_refused");
  if (socket.secure()) return;  // nothing can be said before a TLS handshake; the close says it
  int fd = socket.impl()->sockfd();
  answerAndForget(fd, status, reason, jsonrpc::kLimited, message, true);
  ::shutdown(fd, SHUT_WR);
  if (lingering_.size() >= kMostLingering) return;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.u64 = static_cast<uint64_t>(fd) | kLingerBit;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) return;
  auto until = Clock::now() + kLinger;
  lingering_.emplace(fd, Lingering{socket, until});
  lingerOrder_.emplace_back(until, fd);
}

void ConnectionReactor::drainLingering(int fd) {
  auto it = lingering_.find(fd);
  if (it == lingering_.end()) return;
  char scratch[4096];
  for (;;) {
    ssize_t n = ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    break;  // closed or failed: done
  }
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  lingering_.erase(it);
}

void ConnectionReactor::expireLingering(Clock::time_point now) {
  while (!lingerOrder_.empty() && lingerOrder_.front().first <= now) {
    auto [until, fd] = lingerOrder_.front();
    lingerOrder_.pop_front();
    auto it = lingering_.find(fd);
    // Gone already (drained), or the descriptor now belongs to a later linger.
    if (it == lingering_.end() || it->second.until != until) continue;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    lingering_.erase(it);
  }
}

void ConnectionReactor::wait(std::unique_ptr<ClientConnection> connection, Phase phase, Clock::time_point deadline) {
  int fd = connection->fd();
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.u64 = static_cast<uint64_t>(fd);
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) return;  // the connection closes here
  deadlines_.emplace(deadline, fd);
  waiting_.emplace(fd, Waiting{std::move(connection), phase, deadline});
}

std::unique_ptr<ClientConnection> ConnectionReactor::release(int fd) {
  auto it = waiting_.find(fd);
  if (it == waiting_.end()) return nullptr;
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  deadlines_.erase({it->second.deadline, fd});
  std::unique_ptr<ClientConnection> connection = std::move(it->second.connection);
  waiting_.erase(it);
  return connection;
}

void ConnectionReactor::handOff(int fd) {
  std::unique_ptr<ClientConnection> connection = release(fd);
  if (!connection || dispatch_(connection)) return;
  metrics::add("requests_refused_busy");
  if (!connection->secure())
    answerAndForget(fd, 503, "Service Unavailable", jsonrpc::kLimited, "every worker is busy and the queue is full; try again", true);
}

void ConnectionReactor::readable(int fd) {
  auto it = waiting_.find(fd);
  if (it == waiting_.end()) return;
  Waiting& waiting = it->second;
  ClientConnection& connection = *waiting.connection;
  // TLS records can only be read through the TLS layer, which in POCO 1.11 blocks: a worker
  // reads the head, under the same head deadline.
  if (connection.secure()) return handOff(fd);
  for (;;) {
    auto arrival = connection.wire().fillWithoutWaiting();
    if (arrival == net::BufferedSocket::Arrival::Closed) {
      release(fd);
      return;
    }
    if (arrival == net::BufferedSocket::Arrival::Nothing) break;
    try {
      if (connection.wire().bufferedHead(kRequestHeadLimit)) return handOff(fd);
    } catch (const net::BufferedSocket::TooLarge&) {
      return handOff(fd);  // the worker refuses it with 431
    }
  }
  if (waiting.phase == Phase::Idle && connection.wire().holdsUnreadBytes()) {
    // The next request has begun: from now on its head must arrive whole within the head timeout.
    deadlines_.erase({waiting.deadline, fd});
    waiting.phase = Phase::Head;
    waiting.deadline = Clock::now() + std::chrono::milliseconds(timeouts_.headMs);
    deadlines_.emplace(waiting.deadline, fd);
  }
}

void ConnectionReactor::expire(Clock::time_point now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    int fd = deadlines_.begin()->second;
    auto it = waiting_.find(fd);
    if (it == waiting_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    // A connection that sent nothing, or nothing since its last answer, is closed without a word.
    bool midHead = it->second.phase == Phase::Head && it->second.connection->wire().holdsUnreadBytes();
    std::unique_ptr<ClientConnection> connection = release(fd);
    if (midHead) {
      metrics::add("request_head_timeouts");
      if (!connection->secure())
        answerAndForget(fd, 408, "Request Timeout", jsonrpc::kRequestTimeout, "the request head did not arrive within listen.request_head_timeout", false);
    }
  }
}

void ConnectionReactor::park(std::unique_ptr<ClientConnection> connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_) return;  // the connection closes as it leaves this scope
  bool begun = connection->wire().holdsUnreadBytes();
  auto deadline = Clock::now() + std::chrono::milliseconds(begun ? timeouts_.headMs : timeouts_.keepAliveMs);
  wait(std::move(connection), begun ? Phase::Head : Phase::Idle, deadline);
}

void ConnectionReactor::closeIdle() {
  std::unordered_map<int, Waiting> closing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    if (listening_) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listener_.impl()->sockfd(), nullptr);
    listening_ = false;
    try {
      listener_.close();
    } catch (const Poco::Exception&) {
      // Already closed.
    }
    for (auto& [fd, waiting] : waiting_) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    closing.swap(waiting_);
    deadlines_.clear();
    for (auto& [fd, lingering] : lingering_) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    lingering_.clear();
    lingerOrder_.clear();
  }
}

void ConnectionReactor::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(wake_, &one, sizeof one);
  thread_.join();
  closeIdle();
}

int ConnectionReactor::millisToNextDeadline() const {
  if (deadlines_.empty()) return kLongestWaitMs;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadlines_.begin()->first - Clock::now()).count();
  if (left < 0) return 0;
  return left > kLongestWaitMs ? kLongestWaitMs : static_cast<int>(left) + 1;
}

}  // namespace moat::gateway
