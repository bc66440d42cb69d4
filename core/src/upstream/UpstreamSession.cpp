#include "upstream/UpstreamSession.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <strings.h>

#include "net/HttpFetch.h"
#include "net/HttpHead.h"
#include "net/SocketWait.h"

namespace moat::gateway {

// The connection (TLS included) as POCO's HTTPClientSession makes and remakes it; what goes
// over it is read and written by the session itself.
class UpstreamSession::Wire {
 public:
  virtual ~Wire() = default;
  virtual Poco::Net::HTTPClientSession& http() = 0;
  // Connects first when the connection is closed.
  virtual void ensureConnected() = 0;
};

namespace {

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxFields = 100;

template <class Base>
class WireSession : public Base, public UpstreamSession::Wire {
 public:
  using Base::Base;

  Poco::Net::HTTPClientSession& http() override { return *this; }
  void ensureConnected() override {
    if (!this->connected()) this->reconnect();
  }

 protected:
  // Headers and body leave in one write, but TCP_NODELAY still matters for large bodies that
  // POCO splits, and for the streams that flush event by event.
  void connect(const Poco::Net::SocketAddress& address) override {
    Base::connect(address);
    this->socket().setNoDelay(true);
  }
};

Poco::Timespan millis(int ms) { return Poco::Timespan(ms / 1000, (ms % 1000) * 1000); }


const std::string kNone;

// A status line and its fields, from a head that ends with its blank line.
void parseHead(std::string_view head, Poco::Net::HTTPResponse& statusLine, net::HeaderList& fields) {
  fields.clear();
  bool first = true;
  while (!head.empty()) {
    std::string_view line = net::takeHeadLine(head);
    if (line.empty()) break;
    if (first) {
      net::parseStatusLine(line, statusLine);
      first = false;
      continue;
    }
    if (fields.size() >= kMaxFields) throw Poco::Net::MessageException("too many response headers");
    net::parseFieldLine(line, fields);
  }
}

// Whether the comma-separated list holds `token` (case-insensitive), as in "Connection: close".
bool hasToken(std::string_view list, std::string_view token) {
  bool found = false;
  net::forEachListElement(list, [&](std::string_view element) { found = found || net::sameName(element, token); });
  return found;
}

// RFC 9112 6.3: a body is chunked when chunked is the last transfer coding.
bool lastCodingIsChunked(const net::HeaderList& headers) {
  std::string_view last;
  for (const auto& [name, value] : headers)
    if (net::sameName(name, "Transfer-Encoding")) net::forEachListElement(value, [&](std::string_view element) { last = element; });
  return net::sameName(last, "chunked");
}

}  // namespace

UpstreamSession::UpstreamSession(std::unique_ptr<Wire> wire) : wire_(std::move(wire)), reader_(wire_->http().socket()) {
  auto& http = wire_->http();
  bool tls = dynamic_cast<Poco::Net::HTTPSClientSession*>(&http) != nullptr;
  const std::string& host = http.getHost();
  host_ = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (http.getPort() != (tls ? 443 : 80)) host_ += ":" + std::to_string(http.getPort());
}

UpstreamSession::~UpstreamSession() = default;

Poco::Net::HTTPClientSession& UpstreamSession::http() { return wire_->http(); }

int UpstreamSession::bufferedBytes() const { return static_cast<int>(reader_.unread().size()); }

void UpstreamSession::sendRequest(const std::string& method, const std::string& target,
                                  const net::HeaderList& headers, const std::string& body) {
  body_.reset();
  headRequest_ = method == "HEAD";
  std::string wire;
  wire.reserve(512 + body.size());
  wire.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_).append("\r\n");
  for (const auto& [name, value] : headers) {
    if (net::sameName(name, "Host") || net::sameName(name, "Content-Length")) continue;
    net::appendField(wire, name, value);
  }
  if (method == "POST" || method == "PUT" || method == "PATCH" || !body.empty())
    wire.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  wire.append("\r\n").append(body);
  wire_->ensureConnected();
  reader_.send(wire);
}

std::istream& UpstreamSession::receiveResponse(UpstreamResponse& head) {
  Poco::Net::HTTPResponse statusLine;
  for (;;) {
    size_t length = 0;
    try {
      length = reader_.fillHead(kMaxHead);
    } catch (const net::BufferedSocket::TooLarge&) {
      throw Poco::Net::MessageException("the upstream's response head exceeds 64 KiB");
    }
    if (length == 0) throw Poco::Net::NoMessageException("the upstream closed the connection without answering");
    parseHead(reader_.unread().substr(0, length), statusLine, head.headers);
    reader_.take(length);
    head.status = statusLine.getStatus();
    if (head.status >= 200 || head.status == 101) break;  // interim answers (100, 103) precede the real one
  }
  head.chunked = lastCodingIsChunked(head.headers);
  head.contentLength = -1;
  if (auto length = head.headers.find("Content-Length"); length != head.headers.end() && !head.chunked) {
    std::optional<uint64_t> bytes = net::parseContentLength(length->second);
    if (!bytes) throw Poco::Net::MessageException("invalid Content-Length from the upstream");
    head.contentLength = static_cast<long long>(*bytes);
  }
  auto connection = head.headers.find("Connection");
  head.keepAlive = connection != head.headers.end() ? !hasToken(connection->second, "close")
                                                    : statusLine.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1;
  using Framing = net::BodyBuf::Framing;
  if (headRequest_ || head.status < 200 || head.status == 204 || head.status == 304)
    body_ = std::make_unique<net::BodyStream>(reader_, Framing::None, 0);
  else if (head.chunked)
    body_ = std::make_unique<net::BodyStream>(reader_, Framing::Chunked, 0);
  else if (head.contentLength >= 0)
    body_ = std::make_unique<net::BodyStream>(reader_, Framing::Length, static_cast<uint64_t>(head.contentLength));
  else
    body_ = std::make_unique<net::BodyStream>(reader_, Framing::UntilClose, 0);
  if (!head.chunked && head.contentLength < 0 && !headRequest_ && head.status >= 200 && head.status != 204 && head.status != 304)
    head.keepAlive = false;  // the body ends with the connection
  return *body_;
}

bool UpstreamResponse::isEventStream() const {
  const std::string& type = headers.get("Content-Type", kNone);
  return type.size() >= 17 && ::strncasecmp(type.data(), "text/event-stream", 17) == 0;
}

UpstreamPool::UpstreamPool(const Poco::URI& target, int connectTimeoutMs, int timeoutMs, size_t maxIdle)
    : target_(target), connectTimeoutMs_(connectTimeoutMs), timeoutMs_(timeoutMs), maxIdle_(maxIdle) {}

std::unique_ptr<UpstreamSession> UpstreamPool::acquire() {
  for (;;) {
    std::unique_ptr<UpstreamSession> session;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (idle_.empty()) break;
      session = std::move(idle_.back());
      idle_.pop_back();
    }
    // An idle keep-alive connection that is readable has been closed by the upstream (or holds
    // bytes nobody asked for): drop it rather than send a request into it.
    bool stale = true;
    try {
      stale = !session->http().connected() || session->bufferedBytes() > 0 || net::waitReadable(session->http().socket(), 0);
    } catch (const Poco::Exception&) {
    }
    if (stale) continue;
    session->reused = true;
    return session;
  }
  return fresh();
}

std::unique_ptr<UpstreamSession> UpstreamPool::fresh() {
  std::unique_ptr<UpstreamSession::Wire> wire;
  if (target_.getScheme() == "https")
    wire = std::make_unique<WireSession<Poco::Net::HTTPSClientSession>>(target_.getHost(), target_.getPort(), net::clientTlsContext());
  else
    wire = std::make_unique<WireSession<Poco::Net::HTTPClientSession>>(target_.getHost(), target_.getPort());
  auto& http = wire->http();
  http.setTimeout(millis(connectTimeoutMs_), millis(timeoutMs_), millis(timeoutMs_));
  http.setKeepAlive(true);
  return std::make_unique<UpstreamSession>(std::move(wire));
}

void UpstreamPool::release(std::unique_ptr<UpstreamSession> session) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < maxIdle_) idle_.push_back(std::move(session));
}

}  // namespace moat::gateway
