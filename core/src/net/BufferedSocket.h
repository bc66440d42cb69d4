// One connection's incoming bytes behind a read buffer that exists only while it holds unread
// bytes (an idle keep-alive connection or a long-lived stream keeps none), and writes that
// always leave whole. Both hops read message heads and bodies through it: the gateway's client
// connections, and its connections to an upstream.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace moat::net {

class BufferedSocket {
 public:
  explicit BufferedSocket(Poco::Net::StreamSocket& socket) : socket_(socket) {}

  Poco::Net::StreamSocket& socket() { return socket_; }

  // Reads until the buffer starts with a whole message head (leading blank lines are dropped);
  // returns its length through the blank line that ends it, or 0 when the peer closed before
  // sending anything. Throws TooLarge beyond `limit` bytes, Poco::Net::MessageException when
  // the peer closes inside the head, and POCO's socket exceptions (timeout, reset).
  size_t fillHead(size_t limit);

  // Takes one line (CRLF or LF, not included) of at most `limit` bytes into `line`, valid until
  // the next read. False when the peer closed before the line's first byte; throws TooLarge,
  // Poco::Net::MessageException when the peer closes inside the line, and socket exceptions.
  bool takeLine(std::string_view& line, size_t limit);

  // The length of the whole message head at the front of the buffer, as fillHead would return
  // it, without reading; nullopt while it has not all arrived. Throws TooLarge beyond `limit`.
  std::optional<size_t> bufferedHead(size_t limit);

  // What a read that must not wait found.
  enum class Arrival { Bytes, Nothing, Closed };
  // Reads what the socket holds without waiting (plain TCP only: a TLS socket's records
  // need the TLS layer, which POCO 1.11 cannot drive without blocking).
  Arrival fillWithoutWaiting();

  // Reads from now on fail with Poco::TimeoutException once `deadline` has passed, however
  // steadily the peer trickles bytes; each read waits at most until then.
  void setDeadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }
  void clearDeadline();
  // True when a read failed because the deadline had passed.
  bool deadlinePassed() const { return deadlinePassed_; }

  // Bytes read but not yet taken.
  std::string_view unread() const { return {buffer_.get() + begin_, end_ - begin_}; }
  bool holdsUnreadBytes() const { return end_ > begin_; }
  // Marks `n` unread bytes as taken; the buffer is freed once nothing is left in it.
  void take(size_t n);
  // Reads what the socket has into the buffer; false when the peer closed.
  bool fill();
  // Reads up to `n` bytes straight into `into` (the buffer must be empty); 0 when closed.
  size_t receiveDirect(char* into, size_t n);

  // Writes all of `data`; throws POCO's socket exceptions when the peer is gone.
  void send(std::string_view data);

  struct TooLarge {};

 private:
  void makeRoom();
  // Shortens the socket's receive timeout to the deadline; throws once it has passed.
  void applyDeadline();
  // One receive under the deadline.
  int receive(char* into, size_t n);

  Poco::Net::StreamSocket& socket_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scanned_ = 0;  // how far fillHead has already looked for the end of the head
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::optional<Poco::Timespan> timeoutBeforeDeadline_;
  bool deadlinePassed_ = false;
};

}  // namespace moat::net
