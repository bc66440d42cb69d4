// The client side of the gateway's HTTP/1.1 codec against raw bytes: how requests are framed
// (pipelined, chunked, cut short), which heads are refused and with what status, and how
// responses are framed for HEAD, HTTP/1.0 and streamed bodies.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <Poco/Thread.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <vector>

#include "server/ClientListener.h"

namespace {

// What the echo handler saw of each request, for the test to read afterwards.
struct Seen {
  std::mutex mutex;
  std::vector<std::string> requests;
  void add(std::string line) {
    std::lock_guard<std::mutex> lock(mutex);
    requests.push_back(std::move(line));
  }
  std::vector<std::string> all() {
    std::lock_guard<std::mutex> lock(mutex);
    return requests;
  }
};

// Answers "METHOD TARGET BODY" with a Content-Length; /stream answers in two flushed pieces
// with no length, so the body goes out chunked (or until the close for HTTP/1.0).
class EchoHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit EchoHandler(Seen& seen) : seen_(seen) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    std::istream& in = request.stream();
    char buffer[7];  // small, so bodies arrive over several reads
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) body.append(buffer, static_cast<size_t>(in.gcount()));
    std::string line = request.getMethod() + " " + request.getURI() + " " + (in.bad() ? "<bad>" : body);
    seen_.add(line);
    if (request.getURI() == "/stream") {
      response.setChunkedTransferEncoding(true);
      std::ostream& out = response.send();
      out << "first";
      out.flush();
      out << "second";
      out.flush();
      return;
    }
    response.setContentType("text/plain");
    response.sendBuffer(line.data(), line.size());
  }

 private:
  Seen& seen_;
};

class EchoFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit EchoFactory(Seen& seen) : seen_(seen) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override { return new EchoHandler(seen_); }

 private:
  Seen& seen_;
};

class Gateway {
 public:
  explicit Gateway(moat::gateway::ClientListener::Settings settings = quickSettings()) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    listener_ = std::make_unique<moat::gateway::ClientListener>(socket, new EchoFactory(seen), settings);
    listener_->start();
  }

  static moat::gateway::ClientListener::Settings quickSettings() {
    moat::gateway::ClientListener::Settings settings;
    settings.threads = 8;
    settings.readTimeoutMs = 5000;
    settings.keepAliveTimeoutMs = 5000;
    return settings;
  }

  uint16_t port() const { return port_; }
  size_t openConnections() const { return listener_->openConnections(); }

  // Sends `bytes` on one connection, half-closes it, and returns everything answered until
  // the gateway closes it.
  std::string exchange(const std::string& bytes, bool halfClose = true) {
    Poco::Net::StreamSocket client(Poco::Net::SocketAddress("127.0.0.1", port_));
    client.setReceiveTimeout(Poco::Timespan(10, 0));
    client.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    if (halfClose) client.shutdownSend();
    std::string answer;
    char buffer[4096];
    for (int n; (n = client.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<size_t>(n));
    return answer;
  }

  Seen seen;

 private:
  uint16_t port_ = 0;
  std::unique_ptr<moat::gateway::ClientListener> listener_;
};

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string statusLine(const std::string& answer) { return answer.substr(0, answer.find("\r\n")); }

}  // namespace

TEST_CASE("pipelined requests are answered in order on one connection") {
  Gateway gateway;
  std::string answer = gateway.exchange(
      "\r\nPOST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz");
  CHECK(count(answer, "HTTP/1.1 200 OK\r\n") == 3);
  CHECK(answer.find("POST /a hello") < answer.find("GET /b "));
  CHECK(answer.find("GET /b ") < answer.find("POST /c xyz"));
  CHECK(gateway.seen.all() == std::vector<std::string>{"POST /a hello", "GET /b ", "POST /c xyz"});
}

TEST_CASE("a chunked request body is decoded, extensions and trailers dropped") {
  Gateway gateway;
  std::string answer = gateway.exchange(
      "POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\nB\r\n, chunked w\r\n4\r\norld\r\n0\r\nX-Trailer: t\r\n\r\n"
      "GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(gateway.seen.all() == std::vector<std::string>{"POST /chunks hello, chunked world", "GET /after "});
  CHECK(count(answer, "HTTP/1.1 200 OK\r\n") == 2);
}

TEST_CASE("a body cut short reaches the handler as a failed stream and the connection closes") {
  Gateway gateway;
  SECTION("fixed length") {
    gateway.exchange("POST /short HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(gateway.seen.all() == std::vector<std::string>{"POST /short <bad>"});
  }
  SECTION("chunked, with a size that is not hexadecimal") {
    std::string answer = gateway.exchange(
        "POST /bad HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
        "GET /never HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(gateway.seen.all() == std::vector<std::string>{"POST /bad <bad>"});
    CHECK(count(answer, "HTTP/1.1 ") == 1);
  }
}

TEST_CASE("heads a proxy must not serve are refused with the right status") {
  Gateway gateway;
  struct Case {
    std::string head;
    std::string status;
  };
  std::string big(70 * 1024, 'a');
  std::vector<Case> cases = {
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "HTTP/1.1 501 Not Implemented"},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-Folded: one\r\n two\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/1.1\r\nX-No-Host: 1\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET /" + std::string(17 * 1024, 'x') + " HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 414 Request-URI Too Large"},
      {"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large"},
  };
  for (const auto& c : cases) {
    INFO(c.head.substr(0, 80));
    std::string answer = gateway.exchange(c.head);
    CHECK(statusLine(answer) == c.status);
    CHECK(answer.find("Connection: Close\r\n") != std::string::npos);
  }
  CHECK(gateway.seen.all().empty());
}

TEST_CASE("responses are framed for HEAD, streamed bodies and HTTP/1.0 clients") {
  Gateway gateway;
  SECTION("HEAD announces the length and sends no body") {
    std::string answer = gateway.exchange("HEAD /h HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(answer.find("Content-Length: 8\r\n") != std::string::npos);
    CHECK(answer.substr(answer.size() - 4) == "\r\n\r\n");
  }
  SECTION("a streamed body goes out chunked, one chunk per flush, and the connection stays usable") {
    std::string answer = gateway.exchange("GET /stream HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(answer.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(answer.find("\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n") != std::string::npos);
    CHECK(answer.find("GET /next ") != std::string::npos);
  }
  SECTION("an HTTP/1.0 client gets the streamed body delimited by the close") {
    std::string answer = gateway.exchange("GET /stream HTTP/1.0\r\n\r\n");
    CHECK(statusLine(answer) == "HTTP/1.0 200 OK");
    CHECK(answer.find("Transfer-Encoding") == std::string::npos);
    CHECK(answer.find("Connection: Close\r\n") != std::string::npos);
    CHECK(answer.substr(answer.size() - 11) == "firstsecond");
  }
  SECTION("Expect: 100-continue gets its interim answer before the final one") {
    std::string answer = gateway.exchange("POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    CHECK(answer.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(answer.find("POST /e ok") != std::string::npos);
  }
}

namespace {

Poco::Net::StreamSocket connectTo(const Gateway& gateway) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", gateway.port()));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  return socket;
}

void sendText(Poco::Net::StreamSocket& socket, const std::string& text) { socket.sendBytes(text.data(), static_cast<int>(text.size())); }

// Reads one answer with a Content-Length; empty when the gateway closed or said nothing.
std::string readAnswer(Poco::Net::StreamSocket& socket) {
  std::string answer;
  char buffer[4096];
  for (;;) {
    size_t headEnd = answer.find("\r\n\r\n");
    if (headEnd != std::string::npos) {
      size_t at = answer.find("Content-Length: ");
      size_t length = at == std::string::npos ? 0 : std::stoul(answer.substr(at + 16));
      if (answer.size() >= headEnd + 4 + length) return answer;
    }
    int n = 0;
    try {
      n = socket.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::Exception&) {
      return answer;
    }
    if (n <= 0) return answer;
    answer.append(buffer, static_cast<size_t>(n));
  }
}

// Sends `text` one byte every 50 ms (each long before any per-read timeout) until it is all
// sent or the gateway answers or closes.
void trickle(Poco::Net::StreamSocket& client, const std::string& text) {
  for (char c : text) {
    try {
      sendText(client, std::string(1, c));
    } catch (const Poco::Exception&) {
      return;  // the gateway already closed
    }
    if (client.poll(Poco::Timespan(50 * 1000), Poco::Net::Socket::SELECT_READ)) return;
  }
}

}  // namespace

TEST_CASE("connections whose heads trickle in hold no worker: others are served meanwhile") {
  auto settings = Gateway::quickSettings();
  settings.threads = 2;
  settings.headTimeoutMs = 60000;
  Gateway gateway(settings);
  std::vector<Poco::Net::StreamSocket> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(connectTo(gateway));
    sendText(slow.back(), "POST /slow HTTP/1.1\r\nHost: h\r\n");  // never finished
  }
  std::string answer = gateway.exchange("GET /fast HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(statusLine(answer) == "HTTP/1.1 200 OK");
  CHECK(gateway.seen.all() == std::vector<std::string>{"GET /fast "});
  CHECK(gateway.openConnections() >= 50);
}

TEST_CASE("idle keep-alive connections hold no worker") {
  auto settings = Gateway::quickSettings();
  settings.threads = 2;
  Gateway gateway(settings);
  std::vector<Poco::Net::StreamSocket> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(connectTo(gateway));
    sendText(idle.back(), "GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(statusLine(readAnswer(idle.back())) == "HTTP/1.1 200 OK");
  }
  std::string answer = gateway.exchange("GET /other HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(statusLine(answer) == "HTTP/1.1 200 OK");
  // The idle connections still work.
  sendText(idle.front(), "GET /again HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(statusLine(readAnswer(idle.front())) == "HTTP/1.1 200 OK");
}

TEST_CASE("a head that keeps trickling is cut off at the head deadline with 408") {
  auto settings = Gateway::quickSettings();
  settings.headTimeoutMs = 600;
  Gateway gateway(settings);
  Poco::Net::StreamSocket client = connectTo(gateway);
  std::string head = "GET /trickle HTTP/1.1\r\nHost: h\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  trickle(client, head);
  std::string answer = readAnswer(client);
  CHECK(statusLine(answer) == "HTTP/1.1 408 Request Timeout");
  CHECK(answer.find("\"code\":-32011") != std::string::npos);
  CHECK(gateway.seen.all().empty());
}

TEST_CASE("a body that keeps trickling is cut off at the body deadline") {
  auto settings = Gateway::quickSettings();
  settings.bodyTimeoutMs = 600;
  Gateway gateway(settings);
  Poco::Net::StreamSocket client = connectTo(gateway);
  sendText(client, "POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n");
  trickle(client, std::string(100, 'x'));
  readAnswer(client);
  CHECK(gateway.seen.all() == std::vector<std::string>{"POST /body <bad>"});
}

namespace {

// Opens `count` connections and keeps them in `held`, then one more; returns what the gateway
// answered that one.
std::string answerPastLimit(const Gateway& gateway, int count, std::vector<Poco::Net::StreamSocket>& held) {
  for (int i = 0; i < count; ++i) held.push_back(connectTo(gateway));
  Poco::Net::StreamSocket extra = connectTo(gateway);
  return readAnswer(extra);
}

}  // namespace

TEST_CASE("connection limits answer with 429 per client and 503 in total, with Retry-After") {
  std::vector<Poco::Net::StreamSocket> held;
  SECTION("per client") {
    auto settings = Gateway::quickSettings();
    settings.maxConnectionsPerClient = 3;
    Gateway gateway(settings);
    std::string refused = answerPastLimit(gateway, 3, held);
    CHECK(statusLine(refused) == "HTTP/1.1 429 Too Many Requests");
    CHECK(refused.find("Retry-After: 1\r\n") != std::string::npos);
    CHECK(refused.find("\"code\":-32012") != std::string::npos);
    // A held connection is still served, and a place freed is a place taken.
    sendText(held[0], "GET /held HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(statusLine(readAnswer(held[0])) == "HTTP/1.1 200 OK");
    held[0].close();
    for (int tries = 0; gateway.openConnections() > 2 && tries < 200; ++tries) Poco::Thread::sleep(10);
    std::string answer = gateway.exchange("GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(statusLine(answer) == "HTTP/1.1 200 OK");
  }
  SECTION("in total") {
    auto settings = Gateway::quickSettings();
    settings.maxConnections = 2;
    Gateway gateway(settings);
    std::string refused = answerPastLimit(gateway, 2, held);
    CHECK(statusLine(refused) == "HTTP/1.1 503 Service Unavailable");
    CHECK(refused.find("Retry-After: 1\r\n") != std::string::npos);
  }
}
