#include "net/BufferedSocket.h"

#include <Poco/Net/NetException.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace moat::net {
namespace {

constexpr size_t kReadChunk = 4096;

// Where the head that starts at `head` ends (one past its blank line), or npos. `from` is the
// offset up to which an earlier call found no end.
size_t headEnd(std::string_view head, size_t from) {
  for (size_t at = from; at < head.size();) {
    const void* found = std::memchr(head.data() + at, '\n', head.size() - at);
    if (!found) break;
    size_t newline = static_cast<size_t>(static_cast<const char*>(found) - head.data());
    size_t next = newline + 1;
    if (next < head.size() && head[next] == '\n') return next + 1;
    if (next + 1 < head.size() && head[next] == '\r' && head[next + 1] == '\n') return next + 2;
    if (next + 1 >= head.size()) break;  // the blank line may still be on its way
    at = next;
  }
  return std::string_view::npos;
}

}  // namespace

void BufferedSocket::makeRoom() {
  if (!buffer_) {
    capacity_ = kReadChunk;
    buffer_.reset(new char[capacity_]);
    begin_ = end_ = 0;
    return;
  }
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (end_ < capacity_) return;
  }
  std::unique_ptr<char[]> larger(new char[capacity_ * 2]);
  std::memcpy(larger.get(), buffer_.get(), end_);
  buffer_ = std::move(larger);
  capacity_ *= 2;
}

void BufferedSocket::applyDeadline() {
  if (!deadline_) return;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - std::chrono::steady_clock::now()).count();
  if (left <= 0) {
    deadlinePassed_ = true;
    throw Poco::TimeoutException("the deadline for this message passed");
  }
  if (!timeoutBeforeDeadline_) timeoutBeforeDeadline_ = socket_.getReceiveTimeout();
  Poco::Timespan wait(static_cast<long>(left / 1000), static_cast<long>((left % 1000) * 1000));
  // A zero receive timeout means "wait forever" to the kernel.
  if (timeoutBeforeDeadline_->totalMicroseconds() > 0) wait = std::min(wait, *timeoutBeforeDeadline_);
  socket_.setReceiveTimeout(wait);
}

void BufferedSocket::clearDeadline() {
  if (timeoutBeforeDeadline_) socket_.setReceiveTimeout(*timeoutBeforeDeadline_);
  deadline_.reset();
  timeoutBeforeDeadline_.reset();
  deadlinePassed_ = false;
}

int BufferedSocket::receive(char* into, size_t n) {
  applyDeadline();
  try {
    return socket_.receiveBytes(into, static_cast<int>(n));
  } catch (const Poco::TimeoutException&) {
    if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) deadlinePassed_ = true;
    throw;
  }
}

bool BufferedSocket::fill() {
  if (!buffer_ || end_ == capacity_) makeRoom();
  int n = receive(buffer_.get() + end_, capacity_ - end_);
  if (n <= 0) return false;
  end_ += static_cast<size_t>(n);
  return true;
}

BufferedSocket::Arrival BufferedSocket::fillWithoutWaiting() {
  if (!buffer_ || end_ == capacity_) makeRoom();
  for (;;) {
    ssize_t n = ::recv(socket_.impl()->sockfd(), buffer_.get() + end_, capacity_ - end_, MSG_DONTWAIT);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return Arrival::Bytes;
    }
    if (n == 0) return Arrival::Closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (begin_ == end_) take(0);  // frees the buffer this call allocated for nothing
      return Arrival::Nothing;
    }
    return Arrival::Closed;  // reset or failed: nothing more will come
  }
}

void BufferedSocket::take(size_t n) {
  begin_ += n;
  scanned_ = 0;
  if (begin_ == end_) {
    buffer_.reset();
    capacity_ = begin_ = end_ = 0;
  }
}

size_t BufferedSocket::receiveDirect(char* into, size_t n) {
  int got = receive(into, n);
  return got > 0 ? static_cast<size_t>(got) : 0;
}

std::optional<size_t> BufferedSocket::bufferedHead(size_t limit) {
  // RFC 9112 2.2: blank lines before a request line are ignored (some clients end a body with CRLF).
  size_t blank = 0;
  std::string_view bytes = unread();
  while (blank < bytes.size() && (bytes[blank] == '\r' || bytes[blank] == '\n')) ++blank;
  if (blank > 0) take(blank);
  bytes = unread();
  if (bytes.empty()) return std::nullopt;
  size_t end = headEnd(bytes, scanned_);
  if (end != std::string_view::npos) {
    if (end > limit) throw TooLarge{};
    scanned_ = 0;
    return end;
  }
  scanned_ = bytes.size() > 2 ? bytes.size() - 2 : 0;
  if (bytes.size() > limit) throw TooLarge{};
  return std::nullopt;
}

size_t BufferedSocket::fillHead(size_t limit) {
  for (;;) {
    if (auto length = bufferedHead(limit)) return *length;
    bool wasEmpty = !holdsUnreadBytes();
    if (!fill()) {
      if (wasEmpty) return 0;
      throw Poco::Net::MessageException("the peer closed the connection inside a message head");
    }
  }
}

bool BufferedSocket::takeLine(std::string_view& line, size_t limit) {
  size_t searched = 0;
  for (;;) {
    std::string_view bytes = unread();
    size_t newline = bytes.find('\n', searched);
    if (newline != std::string_view::npos) {
      if (newline > limit) throw TooLarge{};
      // Not take(): that frees an emptied buffer, and the line still points into it.
      line = bytes.substr(0, newline);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      begin_ += newline + 1;
      scanned_ = 0;
      return true;
    }
    if (bytes.size() > limit) throw TooLarge{};
    searched = bytes.size();
    if (!fill()) {
      if (bytes.empty()) return false;
      throw Poco::Net::MessageException("the connection closed inside a line");
    }
  }
}

void BufferedSocket::send(std::string_view data) {
  while (!data.empty()) {
    int n = socket_.sendBytes(data.data(), static_cast<int>(data.size()));
    if (n <= 0) throw Poco::Net::ConnectionResetException("the peer stopped accepting data");
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace moat::net
