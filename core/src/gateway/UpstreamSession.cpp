#include "gateway/UpstreamSession.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>

namespace moat::gateway {
namespace {

// HTTPSession::buffered() is protected; this subclass exists only to read it.
class BufferPeek : public Poco::Net::HTTPClientSession {
 public:
  static int bufferedOf(const Poco::Net::HTTPClientSession& s) { return (s.*(&BufferPeek::buffered))(); }
};

// Headers and body leave in separate writes; without TCP_NODELAY the second waits for the
// peer's delayed ACK of the first.
template <class Base>
class NoDelaySession : public Base {
 public:
  using Base::Base;

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    Base::connect(address);
    this->socket().setNoDelay(true);
  }
};

Poco::Timespan millis(int ms) { return Poco::Timespan(ms / 1000, (ms % 1000) * 1000); }

Poco::Net::Context::Ptr upstreamTlsContext() {
  static Poco::Net::Context::Ptr context = [] {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.loadDefaultCAs = true;
    return Poco::Net::Context::Ptr(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
  }();
  return context;
}

}  // namespace

UpstreamSession::UpstreamSession(std::unique_ptr<Poco::Net::HTTPClientSession> session) : session_(std::move(session)) {}

int UpstreamSession::bufferedBytes() const { return BufferPeek::bufferedOf(*session_); }

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
      stale = !session->http().connected() || session->http().socket().poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ);
    } catch (const Poco::Exception&) {
    }
    if (stale) continue;
    session->reused = true;
    return session;
  }
  return fresh();
}

std::unique_ptr<UpstreamSession> UpstreamPool::fresh() {
  std::unique_ptr<Poco::Net::HTTPClientSession> http;
  if (target_.getScheme() == "https")
    http = std::make_unique<NoDelaySession<Poco::Net::HTTPSClientSession>>(target_.getHost(), target_.getPort(), upstreamTlsContext());
  else
    http = std::make_unique<NoDelaySession<Poco::Net::HTTPClientSession>>(target_.getHost(), target_.getPort());
  http->setTimeout(millis(connectTimeoutMs_), millis(timeoutMs_), millis(timeoutMs_));
  http->setKeepAlive(true);
  return std::make_unique<UpstreamSession>(std::move(http));
}

void UpstreamPool::release(std::unique_ptr<UpstreamSession> session) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < maxIdle_) idle_.push_back(std::move(session));
}

}  // namespace moat::gateway
