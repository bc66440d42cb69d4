#include "container/AttachedStdio.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "container/StreamDemux.h"

namespace moat::container {
namespace {

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool writeAll(int fd, const char* data, size_t size, bool socket) {
  while (size > 0) {
    ssize_t n = socket ? ::send(fd, data, size, MSG_NOSIGNAL) : ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

void makePipe(int& readEnd, int& writeEnd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  readEnd = fds[0];
  writeEnd = fds[1];
}

}  // namespace

AttachedStdio::AttachedStdio(Host host, std::string label, int connection, std::string leftover)
    : host_(host), label_(std::move(label)), connection_(connection) {
  try {
    makePipe(stdinRead_, stdinWrite_);
    makePipe(stdoutRead_, stdoutWrite_);
    makePipe(cancelRead_, cancelWrite_);
  } catch (...) {
    for (int* fd : {&stdinRead_, &stdinWrite_, &stdoutRead_, &stdoutWrite_, &cancelRead_, &cancelWrite_, &connection_}) closeFd(*fd);
    throw;
  }
  stdinPump_ = std::thread([this] { pumpStdin(); });
  outputPump_ = std::thread([this, rest = std::move(leftover)]() mutable { pumpOutput(std::move(rest)); });
}

AttachedStdio::~AttachedStdio() {
  [[maybe_unused]] ssize_t n = ::write(cancelWrite_, "x", 1);
  ::shutdown(connection_, SHUT_RDWR);
  if (stdinPump_.joinable()) stdinPump_.join();
  if (outputPump_.joinable()) outputPump_.join();
  if (!taken_) {
    closeFd(stdinWrite_);
    closeFd(stdoutRead_);
  }
  for (int* fd : {&stdinRead_, &stdoutWrite_, &cancelRead_, &cancelWrite_, &connection_}) closeFd(*fd);
}

std::pair<int, int> AttachedStdio::takeHostEnds() {
  if (taken_) throw std::runtime_error(label_ + " is already attached");
  taken_ = true;
  return {stdinWrite_, stdoutRead_};
}

void AttachedStdio::pumpStdin() {
  char buffer[16384];
  for (;;) {
    pollfd fds[2] = {{stdinRead_, POLLIN, 0}, {cancelRead_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) return;
    ssize_t n = ::read(stdinRead_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the host closed stdin
    if (!writeAll(connection_, buffer, static_cast<size_t>(n), true)) break;
  }
  ::shutdown(connection_, SHUT_WR);  // the container reads end of input (StdinOnce)
}

void AttachedStdio::pumpOutput(std::string leftover) {
  std::string stderrLine;
  bool stdoutOpen = true;
  StreamDemux demux([&](StreamKind kind, const char* data, size_t size) {
    if (kind == StreamKind::Stderr) {
      stderrLine.append(data, size);
      size_t nl;
      while ((nl = stderrLine.find('\n')) != std::string::npos) {
        host_.info(label_ + ": " + stderrLine.substr(0, nl));
        stderrLine.erase(0, nl + 1);
      }
      if (stderrLine.size() > 8192) {  // a line without end is logged in pieces, never held whole
        host_.info(label_ + ": " + stderrLine);
        stderrLine.clear();
      }
    } else if (stdoutOpen && !writeAll(stdoutWrite_, data, size, false)) {
      stdoutOpen = false;  // the host stopped reading; keep draining so the container never blocks
    }
  });
  try {
    if (!leftover.empty()) demux.feed(leftover.data(), leftover.size());
    char buffer[16384];
    for (;;) {
      ssize_t n = ::recv(connection_, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      demux.feed(buffer, static_cast<size_t>(n));
    }
  } catch (const std::exception& e) {
    host_.warn(label_ + ": " + e.what());
  }
  if (!stderrLine.empty()) host_.info(label_ + ": " + stderrLine);
  closeFd(stdoutWrite_);  // the host reads end of output: the server is gone
}

}  // namespace moat::container
