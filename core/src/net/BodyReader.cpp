#include "net/BodyReader.h"

#include <Poco/Net/NetException.h>

#include <algorithm>
#include <cstring>

namespace moat::net {
namespace {

constexpr size_t kChunkLineLimit = 4096;
constexpr int kTrailerFieldLimit = 100;

// The chunk-size of "1a;name=value": hexadecimal, at most 15 digits so it cannot overflow.
bool parseChunkSize(std::string_view line, uint64_t& size) {
  std::string_view digits = line.substr(0, line.find(';'));
  while (!digits.empty() && (digits.back() == ' ' || digits.back() == '\t')) digits.remove_suffix(1);
  if (digits.empty() || digits.size() > 15) return false;
  size = 0;
  for (char c : digits) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) return false;
    size = size * 16 + static_cast<uint64_t>(v);
  }
  return true;
}

}  // namespace

BodyBuf::BodyBuf(BufferedSocket& wire, Framing framing, uint64_t length) : wire_(wire), framing_(framing), left_(length) {
  switch (framing) {
    case Framing::None: state_ = State::Done; break;
    case Framing::Length: state_ = length == 0 ? State::Done : State::Data; break;
    case Framing::Chunked: state_ = State::ChunkHead; break;
    case Framing::UntilClose:
      state_ = State::Data;
      left_ = UINT64_MAX;
      break;
  }
}

void BodyBuf::fail(const char* why) {
  state_ = State::Failed;
  throw Poco::Net::MessageException(why);
}

void BodyBuf::consumed(size_t n) {
  if (framing_ == Framing::UntilClose) return;
  left_ -= n;
  if (left_ == 0) state_ = framing_ == Framing::Chunked ? State::ChunkEnd : State::Done;
}

void BodyBuf::settle() {
  if (exposed_ == 0) return;
  size_t used = exposed_ - static_cast<size_t>(egptr() - gptr());
  setg(nullptr, nullptr, nullptr);
  exposed_ = 0;
  wire_.take(used);  // bytes handed out but not read stay unread in the wire
  consumed(used);
}

bool BodyBuf::exposeBuffered() {
  std::string_view bytes = wire_.unread();
  if (bytes.empty()) return false;
  size_t n = static_cast<size_t>(std::min<uint64_t>(bytes.size(), left_));
  char* start = const_cast<char*>(bytes.data());
  setg(start, start, start + n);
  exposed_ = n;
  return true;
}

bool BodyBuf::nextLine(std::string_view& line) {
  if (wire_.takeLine(line, kChunkLineLimit)) return true;
  fail("the connection closed inside a chunked body");
}

bool BodyBuf::nextChunk() {
  try {
    std::string_view line;
    if (state_ == State::ChunkEnd && (!nextLine(line) || !line.empty())) fail("chunk data longer than its size");
    uint64_t size = 0;
    if (!nextLine(line) || !parseChunkSize(line, size)) fail("malformed chunk size");
    if (size > 0) {
      left_ = size;
      state_ = State::Data;
      return true;
    }
    // Trailer fields are read and dropped, up to the blank line.
    for (int fields = 0; nextLine(line) && !line.empty(); ++fields)
      if (fields == kTrailerFieldLimit) fail("too many trailer fields");
    wire_.take(0);
    state_ = State::Done;
    return false;
  } catch (const BufferedSocket::TooLarge&) {
    fail("chunk line too long");
  } catch (const Poco::Net::MessageException&) {
    state_ = State::Failed;
    throw;
  } catch (const Poco::Exception&) {
    fail("the connection failed inside a chunked body");
  }
}

BodyBuf::int_type BodyBuf::underflow() {
  settle();
  for (;;) {
    switch (state_) {
      case State::Done:
      case State::Failed: return traits_type::eof();
      case State::ChunkEnd:
      case State::ChunkHead:
        if (!nextChunk()) return traits_type::eof();
        break;
      case State::Data:
        if (exposeBuffered()) return traits_type::to_int_type(*gptr());
        try {
          if (!wire_.fill()) {
            if (framing_ != Framing::UntilClose) fail("the connection closed inside a body");
            state_ = State::Done;
            return traits_type::eof();
          }
        } catch (const Poco::Net::MessageException&) {
          throw;
        } catch (const Poco::Exception&) {
          fail("the connection failed inside a body");
        }
        break;
    }
  }
}

std::streamsize BodyBuf::xsgetn(char* into, std::streamsize n) {
  std::streamsize done = 0;
  while (done < n) {
    if (gptr() < egptr()) {
      std::streamsize k = std::min<std::streamsize>(egptr() - gptr(), n - done);
      std::memcpy(into + done, gptr(), static_cast<size_t>(k));
      gbump(static_cast<int>(k));
      done += k;
      // Settled now, not at the next read: a reader that takes exactly the body's length never
      // reads again, and the connection must not look as if it still held unread bytes.
      if (gptr() == egptr()) settle();
      continue;
    }
    settle();
    if (state_ == State::Data && !wire_.holdsUnreadBytes()) {
      // Nothing buffered: read straight into the caller's memory rather than through the buffer.
      size_t want = static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(n - done), left_));
      size_t got = 0;
      try {
        got = wire_.receiveDirect(into + done, want);
      } catch (const Poco::Exception&) {
        fail("the connection failed inside a body");
      }
      if (got == 0) {
        if (framing_ != Framing::UntilClose) fail("the connection closed inside a body");
        state_ = State::Done;
        break;
      }
      done += static_cast<std::streamsize>(got);
      consumed(got);
      continue;
    }
    if (traits_type::eq_int_type(underflow(), traits_type::eof())) break;
  }
  return done;
}

}  // namespace moat::net
