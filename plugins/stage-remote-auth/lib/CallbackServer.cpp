#include "CallbackServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "crypto/PercentEncoding.h"

namespace moat::remoteauth {
namespace {

void answer(int fd, int status, const std::string& text) {
  std::string body = "<!doctype html><meta charset=utf-8><title>Moat</title><p>" + text + "</p>";
  std::string response = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : status == 404 ? " Not Found" : " Bad Request") +
                         "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
  [[maybe_unused]] ssize_t n = ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
}

}  // namespace

QueryParameters parseQuery(const std::string& query) {
  QueryParameters out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out[crypto::formUrlDecode(pair.substr(0, eq))] = eq == std::string::npos ? "" : crypto::formUrlDecode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return out;
}

CallbackServer::CallbackServer(int port) : port_(port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0) {
    int error = errno;
    ::close(listener_);
    throw std::runtime_error("the login callback port " + std::to_string(port) + " is in use or not allowed (" + std::strerror(error) +
                             "); choose another with --remote-auth-callback-port (and register its redirect URI with the IdP)");
  }
}

CallbackServer::~CallbackServer() {
  if (listener_ >= 0) ::close(listener_);
}

std::string CallbackServer::redirectUri() const { return "http://localhost:" + std::to_string(port_) + "/callback"; }

QueryParameters CallbackServer::waitForCallback(const std::string& state, int64_t timeoutMs, const std::atomic<bool>& cancel) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    if (cancel) throw std::runtime_error("the login was abandoned: the gateway is stopping");
    sigset_t pending;
    if (::sigpending(&pending) == 0 && (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1))
      throw std::runtime_error("the login was interrupted");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) throw std::runtime_error("no login within " + std::to_string(timeoutMs / 1000) + " s (the browser never came back to " + redirectUri() + ")");
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(std::min<int64_t>(left, 250))) <= 0) continue;
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval limit{5, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    std::string head;
    char buffer[2048];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
      ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      head.append(buffer, static_cast<size_t>(n));
    }
    std::string line = head.substr(0, head.find("\r\n"));
    // "GET /callback?code=...&state=... HTTP/1.1"
    size_t space = line.find(' ');
    size_t end = line.rfind(' ');
    std::string target = space == std::string::npos || end <= space ? "" : line.substr(space + 1, end - space - 1);
    size_t question = target.find('?');
    std::string path = target.substr(0, question);
    QueryParameters params = question == std::string::npos ? QueryParameters{} : parseQuery(target.substr(question + 1));
    if (line.rfind("GET ", 0) != 0 || path != "/callback" || params["state"] != state) {
      answer(client, 404, "Not the login Moat is waiting for.");
      ::close(client);
      continue;
    }
    if (params.count("error")) answer(client, 400, "Login failed. You can close this tab and look at Moat's terminal.");
    else answer(client, 200, "Logged in. You can close this tab.");
    ::close(client);
    return params;
  }
}

}  // namespace moat::remoteauth
