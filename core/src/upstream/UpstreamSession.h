// Keep-alive connections to one upstream, reused across requests.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include <istream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/BodyReader.h"
#include "net/BufferedSocket.h"
#include "net/HeaderList.h"

namespace moat::gateway {

// An upstream's response head, with the framing of its body already worked out.
struct UpstreamResponse {
  int status = 0;
  net::HeaderList headers;
  bool chunked = false;
  long long contentLength = -1;  // -1 when the head gives none
  bool keepAlive = true;         // the upstream will take another request on this connection

  bool isEventStream() const;
};

// One connection to the upstream. POCO's HTTPClientSession connects (TLS included); requests
// and responses go over the wire here: heads formatted and parsed on strings (net/HttpHead.h),
// bodies read through net/BodyReader from a buffer that is freed whenever it is drained, so an
// idle stream holds none.
class UpstreamSession {
 public:
  class Wire;
  explicit UpstreamSession(std::unique_ptr<Wire> wire);
  ~UpstreamSession();

  Poco::Net::HTTPClientSession& http();
  // Bytes already read from the socket but not yet handed out, so a streaming reader knows
  // when waiting on the socket is right.
  int bufferedBytes() const;

  // Sends the request head and body in one write, connecting first when needed. `headers`
  // must not hold Host or Content-Length: they are written here. Throws Poco::Exception.
  void sendRequest(const std::string& method, const std::string& target, const net::HeaderList& headers, const std::string& body);
  // Reads the response head (interim 1xx answers skipped) and returns the body stream, valid
  // until the next request on this session. Throws Poco::Exception.
  std::istream& receiveResponse(UpstreamResponse& head);

  bool reused = false;

 private:
  std::unique_ptr<Wire> wire_;
  net::BufferedSocket reader_;
  std::string host_;
  bool headRequest_ = false;
  std::unique_ptr<net::BodyStream> body_;
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
