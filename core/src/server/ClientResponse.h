// The gateway's response to one client request, written through the connection's socket. The
// head is formatted once on a string (POCO formats it twice, the first time only to count its
// bytes) and a body given whole leaves in the same write. A streamed body keeps no buffer
// between flushes, so a long-lived event stream holds no memory while it waits.
#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "net/BufferedSocket.h"
#include "net/HeaderList.h"

namespace moat::gateway {

// Sees every body byte the client is sent, as it leaves (an answer scanner, a byte count).
class BodyWatch {
 public:
  virtual ~BodyWatch() = default;
  virtual void see(std::string_view bytes) = 0;
};

class ClientBodyWriter : public std::streambuf {
 public:
  enum class Framing { Discard, Length, Chunked, UntilClose };
  ClientBodyWriter(net::BufferedSocket& wire, Framing framing, uint64_t length, BodyWatch* watch)
      : wire_(wire), framing_(framing), left_(length), watch_(watch) {}

  // Writes what is pending and, for a chunked body, the last chunk. True when the body went
  // out complete, so the connection can carry another response.
  bool finish();
  // The watch that sees bytes from now on (none: nullptr), after what is pending went past the old one.
  void rewatch(BodyWatch* watch) {
    if (watch_ && !pending_.empty()) watch_->see(pending_);
    seenUpTo_ = pending_.size();
    watch_ = watch;
  }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* data, std::streamsize n) override;
  int sync() override;

 private:
  bool flushPending();

  net::BufferedSocket& wire_;
  Framing framing_;
  uint64_t left_;  // bytes a fixed-length body still owes
  BodyWatch* watch_;
  size_t seenUpTo_ = 0;  // bytes at the front of pending_ a previous watch has seen
  std::string pending_;
  bool failed_ = false;
};

class ClientResponse : public Poco::Net::HTTPServerResponse {
 public:
  explicit ClientResponse(net::BufferedSocket& wire) : wire_(wire) {}

  // Set once the request is known: a HEAD request's response carries no body.
  void answerHead(bool headRequest) { headRequest_ = headRequest; }
  // `watch` sees the body; set before the response is sent. The watch must be taken away
  // (stopWatching) before it is destroyed: the connection finishes the body after the handler.
  void watchBody(BodyWatch* watch) { watch_ = watch; }
  // Hands what is pending to the watch, then forgets it.
  void stopWatching();
  // Fields written after the response's own (a proxied response's end-to-end headers): kept
  // apart because POCO's collection pays a scan of the list for every field added.
  void addFields(const net::HeaderList& fields) {
    for (const auto& [name, value] : fields) extraFields_.add(name, value);
  }
  // Completes the body (a chunked body's last chunk); false when the connection cannot carry
  // another response (the body was cut short or is delimited by the close).
  bool finish();

  void sendContinue() override;
  std::ostream& send() override;
  void sendFile(const std::string& path, const std::string& mediaType) override;
  void sendBuffer(const void* buffer, std::size_t length) override;
  void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
  void requireAuthentication(const std::string& realm) override;
  bool sent() const override { return sent_; }

 private:
  bool bodyForbidden() const;

  net::BufferedSocket& wire_;
  net::HeaderList extraFields_;
  bool headRequest_ = false;
  bool sent_ = false;
  BodyWatch* watch_ = nullptr;
  std::unique_ptr<ClientBodyWriter> writer_;
  std::unique_ptr<std::ostream> stream_;  // declared after writer_, so destroyed before it
};

}  // namespace moat::gateway
