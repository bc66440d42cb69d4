#include "container/EngineClient.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "moat/json.hpp"

namespace moat::container {
namespace {

std::string hint(Engine engine) {
  return engine == Engine::Docker ? "is dockerd running? Set DOCKER_HOST or the runtime's socket setting"
                                  : "is `podman system service` running? Set CONTAINER_HOST or the runtime's socket setting";
}

Poco::Net::HTTPRequest makeRequest(const std::string& method, const std::string& path) {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setHost("localhost");  // the API ignores it, HTTP/1.1 requires it
  return request;
}

}  // namespace

EngineClient::EngineClient(Engine engine, EngineSocket socket) : engine_(engine), socket_(std::move(socket)) {}

std::string EngineClient::describe() const { return engineName(engine_) + " at " + socket_.path + " (" + socket_.origin + ")"; }

int EngineClient::connectOrThrow() const {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_.path.size() >= sizeof address.sun_path) throw std::runtime_error("cannot reach " + describe() + ": the socket path is too long");
  std::memcpy(address.sun_path, socket_.path.c_str(), socket_.path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    ::close(fd);
    throw std::runtime_error("cannot reach " + describe() + ": " + std::strerror(error) + "; " + hint(engine_));
  }
  return fd;
}

EngineClient::Response EngineClient::call(const std::string& method, const std::string& path, const std::string& jsonBody, int timeoutMs) const {
  Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(connectOrThrow()));
  Poco::Net::HTTPClientSession session(socket);
  session.setTimeout(Poco::Timespan(static_cast<long>(timeoutMs) * 1000));
  Poco::Net::HTTPRequest request = makeRequest(method, path);
  if (!jsonBody.empty()) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(jsonBody.size()));
  } else if (method == "POST") {
    request.setContentLength(0);
  }
  Response out;
  try {
    session.sendRequest(request) << jsonBody;
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    out.status = response.getStatus();
    out.body.assign(std::istreambuf_iterator<char>(body), std::istreambuf_iterator<char>());
  } catch (const Poco::TimeoutException&) {
    throw std::runtime_error(engineName(engine_) + " did not answer " + method + " " + path + " within " + std::to_string(timeoutMs / 1000) + " s");
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(engineName(engine_) + " dropped " + method + " " + path + ": " + e.displayText());
  }
  return out;
}

int EngineClient::stream(const std::string& method, const std::string& path, const std::function<void(const char*, size_t)>& onData,
                         std::string& errorBody) const {
  Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(connectOrThrow()));
  Poco::Net::HTTPClientSession session(socket);
  session.setTimeout(Poco::Timespan(0, 0));  // a followed log may stay quiet for hours
  Poco::Net::HTTPRequest request = makeRequest(method, path);
  if (method == "POST") request.setContentLength(0);
  try {
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    if (response.getStatus() >= 300) {
      errorBody.assign(std::istreambuf_iterator<char>(body), std::istreambuf_iterator<char>());
      return response.getStatus();
    }
    char buffer[16384];
    while (body.read(buffer, sizeof buffer) || body.gcount() > 0) onData(buffer, static_cast<size_t>(body.gcount()));
    return response.getStatus();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(engineName(engine_) + " dropped " + method + " " + path + ": " + e.displayText());
  }
}

EngineClient::Response EngineClient::upload(const std::string& path, int fd, const std::string& contentType) const {
  Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(connectOrThrow()));
  Poco::Net::HTTPClientSession session(socket);
  session.setTimeout(Poco::Timespan(600, 0));
  Poco::Net::HTTPRequest request = makeRequest("POST", path);
  request.setContentType(contentType);
  request.setChunkedTransferEncoding(true);
  Response out;
  try {
    std::ostream& body = session.sendRequest(request);
    char buffer[65536];
    for (;;) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      body.write(buffer, n);
    }
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    out.status = response.getStatus();
    out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(engineName(engine_) + " dropped the upload to " + path + ": " + e.displayText());
  }
  return out;
}

int EngineClient::hijack(const std::string& path, std::string& leftover) const {
  int fd = connectOrThrow();
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  auto fail = [&](const std::string& why) {
    ::close(fd);
    throw std::runtime_error(engineName(engine_) + " refused to attach (" + path + "): " + why);
  };
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) fail(std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  std::string head;
  char buffer[4096];
  size_t end;
  while ((end = head.find("\r\n\r\n")) == std::string::npos) {
    if (head.size() > 65536) fail("response headers too long");
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) fail("the connection closed before a response");
    head.append(buffer, static_cast<size_t>(n));
  }
  leftover = head.substr(end + 4);
  head.resize(end);
  // "HTTP/1.1 101 UPGRADED" from dockerd; podman may answer 200 and stream on the same connection.
  auto space = head.find(' ');
  int status = space == std::string::npos ? 0 : std::atoi(head.c_str() + space + 1);
  if (status != 101 && status != 200) fail(head.substr(0, head.find('\r')) + " " + leftover.substr(0, 300));
  return fd;
}

void EngineClient::ping() const {
  Response r = call("GET", "/_ping", {}, 5000);
  if (r.status != 200) throw std::runtime_error(describe() + " answered /_ping with " + std::to_string(r.status) + "; " + hint(engine_));
}

std::string engineError(const EngineClient::Response& response) {
  try {
    json::Value parsed = json::parse(response.body);
    if (parsed.isObject()) {
      std::string message = parsed.stringOr("message", "");
      if (!message.empty()) return message;
    }
  } catch (const std::exception&) {
  }
  std::string body = response.body.substr(0, 300);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return "HTTP " + std::to_string(response.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace moat::container
