// One client connection's bytes: a read buffer that exists only while it holds unread bytes
// (an idle keep-alive connection or a long-lived stream keeps none), and writes that always
// leave whole. The request and response objects of the gateway read and write through it.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <cstddef>
#include <memory>
#include <string_view>

namespace moat::gateway {

class ClientWire {
 public:
  explicit ClientWire(Poco::Net::StreamSocket& socket) : socket_(socket) {}

  Poco::Net::StreamSocket& socket() { return socket_; }

  // Reads until the buffer starts with a whole message head (leading blank lines are dropped);
  // returns its length through the blank line that ends it, or 0 when the peer closed before
  // sending anything. Throws HeadTooLarge beyond `limit` bytes, Poco::Net::MessageException
  // when the peer closes inside the head, and POCO's socket exceptions (timeout, reset).
  size_t fillHead(size_t limit);

  // One line (CRLF or LF, not included) taken from the stream, of at most `limit` bytes.
  // Throws as fillHead does.
  std::string_view takeLine(size_t limit);

  // Bytes read but not yet taken.
  std::string_view unread() const { return {buffer_.get() + begin_, end_ - begin_}; }
  bool holdsUnreadBytes() const { return end_ > begin_; }
  // Marks `n` unread bytes as taken; the buffer is freed once nothing is left in it.
  void take(size_t n);
  // Reads what the socket has into the buffer; false when the peer closed.
  bool fill();
  // Reads up to `n` bytes straight into `into` (the buffer must be empty); 0 when closed.
  size_t receiveDirect(char* into, size_t n);

  // Writes all of `data`; throws POCO's socket exceptions when the client is gone.
  void send(std::string_view data);

  struct HeadTooLarge {};

 private:
  void makeRoom();

  Poco::Net::StreamSocket& socket_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scanned_ = 0;  // how far fillHead has already looked for the end of the head
};

}  // namespace moat::gateway
