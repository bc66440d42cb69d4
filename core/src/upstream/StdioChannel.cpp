#include "upstream/StdioChannel.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace moat::gateway {

StdioChannel::StdioChannel(int toServer, int fromServer, std::function<void(const std::string&)> onLine,
                           std::function<void()> onClosed)
    : toServer_(toServer), fromServer_(fromServer), onLine_(std::move(onLine)), onClosed_(std::move(onClosed)) {
  reader_ = std::thread([this] { readLoop(); });
}

StdioChannel::~StdioChannel() { stop(); }

bool StdioChannel::send(std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::replace(message.begin(), message.end(), '\r', ' ');
  message += '\n';
  std::lock_guard<std::mutex> lock(writeMutex_);
  if (toServer_ < 0) return false;
  size_t written = 0;
  while (written < message.size()) {
    ssize_t n = ::write(toServer_, message.data() + written, message.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

void StdioChannel::closeInput() {
  std::lock_guard<std::mutex> lock(writeMutex_);
  if (toServer_ >= 0) ::close(toServer_);
  toServer_ = -1;
}

void StdioChannel::stop() {
  stopping_ = true;
  if (reader_.joinable() && reader_.get_id() != std::this_thread::get_id()) reader_.join();
  closeInput();
  if (fromServer_ >= 0 && !reader_.joinable()) {
    ::close(fromServer_);
    fromServer_ = -1;
  }
}

void StdioChannel::readLoop() {
  std::string partial;
  char buffer[4096];
  while (!stopping_) {
    pollfd p{fromServer_, POLLIN, 0};
    int ready = ::poll(&p, 1, 200);
    if (stopping_) return;
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    ssize_t n = ::read(fromServer_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buffer, static_cast<size_t>(n));
    size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      std::string line = partial.substr(0, nl);
      partial.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) onLine_(line);
    }
  }
  if (!stopping_ && onClosed_) onClosed_();
}

}  // namespace moat::gateway
