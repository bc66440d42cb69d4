// The upstream hop's own wire format against a raw TCP peer: what goes out byte for byte, and
// how answers that POCO's parser used to handle (interim 1xx, folded headers, chunked bodies,
// closes and garbage) are read.
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <deque>
#include <mutex>
#include <thread>

#include "upstream/UpstreamSession.h"

using moat::gateway::UpstreamPool;

namespace {

// Accepts connections and answers each request head (and Content-Length body) it reads with
// the next scripted bytes (an answer ending in "<close>" closes the connection after it);
// records every request and counts connections.
class ScriptedPeer {
 public:
  explicit ScriptedPeer(std::deque<std::string> answers) : answers_(std::move(answers)), socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedPeer() {
    ::shutdown(socket_.impl()->sockfd(), SHUT_RDWR);  // wakes the blocked accept; close alone does not
    socket_.close();
    thread_.join();
  }
  uint16_t port() const { return socket_.address().port(); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  int connections() {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
  }

 private:
  void serve() {
    for (;;) {
      Poco::Net::StreamSocket peer;
      try {
        peer = socket_.acceptConnection();
      } catch (const Poco::Exception&) {
        return;  // closed by the destructor
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++connections_;
      }
      std::string pending;
      char buffer[4096];
      for (;;) {
        auto end = pending.find("\r\n\r\n");
        if (end != std::string::npos) {
          size_t length = 0;
          auto at = pending.find("Content-Length: ");
          if (at != std::string::npos && at < end) length = std::stoul(pending.substr(at + 16));
          if (pending.size() >= end + 4 + length) {
            std::string answer;
            {
              std::lock_guard<std::mutex> lock(mutex_);
              requests_.push_back(pending.substr(0, end + 4 + length));
              if (answers_.empty()) break;
              answer = answers_.front();
              answers_.pop_front();
            }
            pending.erase(0, end + 4 + length);
            // An answer ending in "<close>" is sent up to there, then the connection closes.
            const std::string closeMark = "<close>";
            bool thenClose = answer.size() >= closeMark.size() && answer.compare(answer.size() - closeMark.size(), closeMark.size(), closeMark) == 0;
            if (thenClose) answer.resize(answer.size() - closeMark.size());
            if (!answer.empty()) peer.sendBytes(answer.data(), static_cast<int>(answer.size()));
            if (thenClose) break;
            continue;
          }
        }
        int n = 0;
        try {
          n = peer.receiveBytes(buffer, sizeof buffer);
        } catch (const Poco::Exception&) {
        }
        if (n <= 0) break;
        pending.append(buffer, static_cast<size_t>(n));
      }
      peer.close();
    }
  }

  std::mutex mutex_;
  std::deque<std::string> answers_;
  std::vector<std::string> requests_;
  int connections_ = 0;
  Poco::Net::ServerSocket socket_;
  std::thread thread_;
};

Poco::URI uriOf(const ScriptedPeer& peer) { return Poco::URI("http://127.0.0.1:" + std::to_string(peer.port()) + "/mcp"); }

std::string readAll(std::istream& body) {
  std::string out;
  Poco::StreamCopier::copyToString(body, out);
  return out;
}

}  // namespace

TEST_CASE("a request leaves as head and body with Host and Content-Length written once") {
  ScriptedPeer peer({"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"});
  UpstreamPool pool(uriOf(peer), 2000, 2000);
  auto session = pool.acquire();
  moat::net::HeaderList headers;
  headers.add("Mcp-Session-Id", "s-1");
  headers.add("Host", "client.example");      // the upstream's own Host is written instead
  headers.add("Content-Length", "999");       // and the real length
  session->sendRequest("POST", "/mcp?x=1", headers, "{\"jsonrpc\":\"2.0\"}");
  moat::gateway::UpstreamResponse head;
  CHECK(readAll(session->receiveResponse(head)) == "{}");
  CHECK(head.status == 200);
  REQUIRE(peer.requests().size() == 1);
  CHECK(peer.requests()[0] == "POST /mcp?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(peer.port()) +
                                   "\r\nMcp-Session-Id: s-1\r\nContent-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}");
}

TEST_CASE("interim answers are skipped, folded headers joined and chunked bodies decoded") {
  ScriptedPeer peer({"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Folded: one\r\n  two\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"});
  UpstreamPool pool(uriOf(peer), 2000, 2000);
  auto session = pool.acquire();
  session->sendRequest("GET", "/mcp", {}, "");
  moat::gateway::UpstreamResponse head;
  std::istream& body = session->receiveResponse(head);
  CHECK(head.status == 200);
  CHECK(head.headers.get("X-Folded") == "one two");
  CHECK_FALSE(head.headers.has("Link"));
  CHECK(readAll(body) == "hello world");
  CHECK(peer.requests()[0].find("Content-Length") == std::string::npos);  // a GET without a body has none
}

TEST_CASE("a kept-alive session carries the next request on the same connection") {
  ScriptedPeer peer({"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"});
  UpstreamPool pool(uriOf(peer), 2000, 2000);
  auto session = pool.acquire();
  moat::gateway::UpstreamResponse head;
  session->sendRequest("POST", "/mcp", {}, "1");
  // Read exactly the announced length, as the gateway does, and never to the end of stream.
  char body[3];
  session->receiveResponse(head).read(body, sizeof body);
  CHECK(std::string(body, 3) == "abc");
  CHECK(session->bufferedBytes() == 0);
  pool.release(std::move(session));
  session = pool.acquire();
  CHECK(session->reused);
  session->sendRequest("POST", "/mcp", {}, "2");
  CHECK(readAll(session->receiveResponse(head)) == "b");
  CHECK(peer.connections() == 1);
}

// Sends one request to a peer that answers `answer`, and reads the response head.
moat::gateway::UpstreamResponse receiveFrom(const std::string& answer) {
  ScriptedPeer peer({answer});
  UpstreamPool pool(uriOf(peer), 2000, 2000);
  auto session = pool.acquire();
  session->sendRequest("POST", "/mcp", {}, "{}");
  moat::gateway::UpstreamResponse head;
  session->receiveResponse(head);
  return head;
}

TEST_CASE("the response's framing and reuse are read from its head") {
  auto closing = receiveFrom("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n");
  CHECK_FALSE(closing.keepAlive);
  CHECK(closing.contentLength == 0);
  auto old = receiveFrom("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  CHECK_FALSE(old.keepAlive);  // HTTP/1.0 without keep-alive closes
  auto layered = receiveFrom("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n0\r\n\r\n");
  CHECK(layered.chunked);
  CHECK(layered.contentLength == -1);  // chunked wins over a length (RFC 9112 6.3)
  auto events = receiveFrom("HTTP/1.1 200 OK\r\ncontent-type: Text/Event-Stream; charset=utf-8\r\nContent-Length: 0\r\n\r\n");
  CHECK(events.isEventStream());
  CHECK_THROWS_AS(receiveFrom("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n"), Poco::Net::MessageException);
}

TEST_CASE("an upstream that closes or answers garbage gives an exception, not a response") {
  CHECK_THROWS_AS(receiveFrom("<close>"), Poco::Net::NoMessageException);
  CHECK_THROWS_AS(receiveFrom("SSH-2.0-OpenSSH_9.2\r\n\r\n"), Poco::Net::MessageException);
  // Whitespace before a header's colon (RFC 9112 §5.1).
  CHECK_THROWS_AS(receiveFrom("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"), Poco::Net::MessageException);
  // The connection ends inside the head.
  CHECK_THROWS_AS(receiveFrom("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n<close>"), Poco::Net::MessageException);
}

TEST_CASE("a header value with a line break is refused before anything is sent") {
  ScriptedPeer peer({"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"});
  UpstreamPool pool(uriOf(peer), 2000, 2000);
  auto session = pool.acquire();
  moat::net::HeaderList headers;
  headers.add("X-User", "alice\r\nX-Admin: true");
  CHECK_THROWS_AS(session->sendRequest("POST", "/mcp", headers, "{}"), Poco::Net::MessageException);
  CHECK(peer.requests().empty());
}
