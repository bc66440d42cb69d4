// Keep-alive connections to one upstream, reused across requests.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include <memory>
#include <mutex>
#include <vector>

namespace moat::gateway {

// An HTTP client session that can tell how many response bytes it has already read from the
// socket but not yet handed out, so a streaming reader knows when waiting on the socket is right.
class UpstreamSession {
 public:
  explicit UpstreamSession(std::unique_ptr<Poco::Net::HTTPClientSession> session);
  Poco::Net::HTTPClientSession& http() { return *session_; }
  int bufferedBytes() const;
  bool reused = false;

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

class UpstreamPool {
 public:
  UpstreamPool(const Poco::URI& target, int connectTimeoutMs, int timeoutMs, size_t maxIdle = 64);
  std::unique_ptr<UpstreamSession> acquire();
  std::unique_ptr<UpstreamSession> fresh();
  void release(std::unique_ptr<UpstreamSession> session);

 private:
  Poco::URI target_;
  int connectTimeoutMs_;
  int timeoutMs_;
  size_t maxIdle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<UpstreamSession>> idle_;
};

}  // namespace moat::gateway
