// A message body as an istream, read straight from the connection's buffer (no buffer of its
// own, so a message without a body costs nothing): nothing, a fixed length, chunked, or
// everything until the peer closes (a response without a length).
#pragma once

#include <cstdint>
#include <istream>
#include <streambuf>

#include "net/BufferedSocket.h"

namespace moat::net {

class BodyBuf : public std::streambuf {
 public:
  enum class Framing { None, Length, Chunked, UntilClose };
  BodyBuf(BufferedSocket& wire, Framing framing, uint64_t length);

  // True once the body has been read to its end, so the connection may carry another message.
  bool complete() const { return state_ == State::Done; }

 protected:
  int_type underflow() override;
  std::streamsize xsgetn(char* into, std::streamsize n) override;

 private:
  enum class State { Data, ChunkEnd, ChunkHead, Done, Failed };
  // Hands out what is buffered of the current chunk (or the fixed-length body) as the get area.
  bool exposeBuffered();
  // Tells the wire how much of the get area was read.
  void settle();
  void consumed(size_t n);
  // Reads a chunk's closing CRLF and the next chunk-size line; false when none follows.
  bool nextChunk();
  bool nextLine(std::string_view& line);
  // Marks the body malformed or cut short and throws: the istream turns that into badbit.
  [[noreturn]] void fail(const char* why);

  BufferedSocket& wire_;
  Framing framing_;
  State state_;
  uint64_t left_;  // of the fixed-length body, or of the current chunk
  size_t exposed_ = 0;
};

class BodyStream : public std::istream {
 public:
  BodyStream(BufferedSocket& wire, BodyBuf::Framing framing, uint64_t length)
      : std::istream(nullptr), buf_(wire, framing, length) {
    rdbuf(&buf_);
  }
  const BodyBuf& body() const { return buf_; }

 private:
  BodyBuf buf_;
};

}  // namespace moat::net
