// One connection's incoming bytes behind a read buffer that exists only while it holds unread
// bytes (an idle keep-alive connection or a long-lived stream keeps none), and writes that
// always leave whole. Both hops read message heads and bodies through it: the gateway's client
// connections, and its connections to an upstream.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <cstddef>
#include <memory>
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

  Poco::Net::StreamSocket& socket_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scanned_ = 0;  // how far fillHead has already looked for the end of the head
};

}  // namespace moat::net
