#include "container/EgressForwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace moat::container {
namespace {

int connectTo(const EgressRule& rule, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int status = ::getaddrinfo(rule.host.c_str(), std::to_string(rule.port).c_str(), &hints, &found);
  if (status != 0) {
    error = gai_strerror(status);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval limit{10, 0};  // connect honours the send timeout; cleared once connected
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      timeval none{0, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
      break;
    }
    error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

EgressRule parseEgressRule(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) throw std::runtime_error("isolation.egress: expected HOST:PORT, got '" + text + "'");
  std::string host = text.substr(0, colon);
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-')
      throw std::runtime_error("isolation.egress: '" + host + "' is not a host name or IPv4 address");
  if (host.find_first_not_of("0123456789.") == std::string::npos)
    throw std::runtime_error("isolation.egress: '" + text + "': give a host name; the container reaches an allowed host by its name");
  long port = 0;
  try {
    size_t used = 0;
    port = std::stol(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = 0;
  } catch (const std::exception&) {
  }
  if (port < 1 || port > 65535) throw std::runtime_error("isolation.egress: '" + text + "' needs a port from 1 to 65535");
  return {host, static_cast<uint16_t>(port)};
}

EgressForwarder::EgressForwarder(Host host, std::string label, const std::string& bindAddress, const std::vector<EgressRule>& rules)
    : host_(host), label_(std::move(label)) {
  auto cleanup = [&] {
    for (auto& [fd, rule] : listeners_) ::close(fd);
    listeners_.clear();
  };
  for (const auto& rule : rules) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    ::inet_pton(AF_INET, bindAddress.c_str(), &address.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      cleanup();
      throw std::runtime_error("egress to " + rule.host + ":" + std::to_string(rule.port) + ": cannot listen on " + bindAddress + ": " + why);
    }
    listeners_.emplace_back(fd, rule);
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    cleanup();
    throw std::runtime_error("pipe failed");
  }
  cancelRead_ = fds[0];
  cancelWrite_ = fds[1];
  acceptor_ = std::thread([this] { acceptLoop(); });
}

std::vector<std::pair<uint16_t, uint16_t>> EgressForwarder::redirects() const {
  std::vector<std::pair<uint16_t, uint16_t>> out;
  for (const auto& [fd, rule] : listeners_) {
    sockaddr_in bound{};
    socklen_t size = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
    out.emplace_back(rule.port, ntohs(bound.sin_port));
  }
  return out;
}

EgressForwarder::~EgressForwarder() {
  stopping_ = true;
  [[maybe_unused]] ssize_t n = ::write(cancelWrite_, "x", 1);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::unique_lock lock(mutex_);
    relayEnded_.wait(lock, [&] { return activeRelays_ == 0; });  // each saw the cancel pipe
  }
  for (auto& [fd, rule] : listeners_) ::close(fd);
  ::close(cancelRead_);
  ::close(cancelWrite_);
}

void EgressForwarder::acceptLoop() {
  std::vector<pollfd> fds;
  for (auto& [fd, rule] : listeners_) fds.push_back({fd, POLLIN, 0});
  fds.push_back({cancelRead_, POLLIN, 0});
  while (!stopping_) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds.back().revents) return;
    for (size_t i = 0; i + 1 < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      int client = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      {
        std::lock_guard lock(mutex_);
        ++activeRelays_;
      }
      std::thread([this, client, rule = listeners_[i].second] {
        relay(client, rule);
        std::lock_guard lock(mutex_);
        if (--activeRelays_ == 0) relayEnded_.notify_all();
      }).detach();
    }
  }
}

void EgressForwarder::relay(int client, EgressRule rule) {
  std::string error;
  int upstream = connectTo(rule, error);
  if (upstream < 0) {
    host_.warn(label_ + ": egress to " + rule.host + ":" + std::to_string(rule.port) + " failed: " + error);
    ::close(client);
    return;
  }
  host_.debug(label_ + ": egress to " + rule.host + ":" + std::to_string(rule.port));
  pollfd fds[3] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}, {cancelRead_, POLLIN, 0}};
  bool open[2] = {true, true};
  char buffer[16384];
  while ((open[0] || open[1]) && !stopping_) {
    fds[0].events = open[0] ? POLLIN : 0;
    fds[1].events = open[1] ? POLLIN : 0;
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents) break;
    for (int side = 0; side < 2; ++side) {
      if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::recv(fds[side].fd, buffer, sizeof buffer, 0);
      int other = fds[1 - side].fd;
      if (got <= 0) {
        open[side] = false;
        ::shutdown(other, SHUT_WR);
        continue;
      }
      for (ssize_t sent = 0; sent < got;) {
        ssize_t n = ::send(other, buffer + sent, static_cast<size_t>(got - sent), MSG_NOSIGNAL);
        if (n <= 0) {
          open[0] = open[1] = false;
          break;
        }
        sent += n;
      }
    }
  }
  ::close(client);
  ::close(upstream);
}

}  // namespace moat::container
