#include "server/HangupWatcher.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include "server/Shutdown.h"

namespace moat::gateway {
namespace {

constexpr uint64_t kShutdownToken = 0;

}  // namespace

HangupWatcher& HangupWatcher::instance() {
  // Never destroyed: its thread runs for the life of the process.
  static HangupWatcher* watcher = new HangupWatcher;
  return *watcher;
}

HangupWatcher::HangupWatcher() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw std::runtime_error("cannot create the stream watcher's epoll instance");
  epoll_event shutdownEvent{};
  shutdownEvent.events = EPOLLIN;
  shutdownEvent.data.u64 = kShutdownToken;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, shutdown::wakeFd(), &shutdownEvent);
  std::thread([this] { run(); }).detach();
}

uint64_t HangupWatcher::watch(int fd, std::function<void()> onEnd) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t token = next_++;
  if (fd >= 0) {
    epoll_event event{};
    event.events = EPOLLRDHUP | EPOLLONESHOT;  // EPOLLHUP and EPOLLERR are always reported
    event.data.u64 = token;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) fd = -1;  // unwatchable: shutdown still reaches it
  }
  entries_.emplace(token, Entry{fd, std::move(onEnd)});
  return token;
}

void HangupWatcher::unwatch(uint64_t token) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return;
  if (it->second.fd >= 0) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  entries_.erase(it);
}

void HangupWatcher::run() {
  epoll_event events[64];
  for (;;) {
    int ready = ::epoll_wait(epoll_, events, 64, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (int i = 0; i < ready; ++i) {
      uint64_t token = events[i].data.u64;
      if (token == kShutdownToken) {
        // Level-triggered and never drained: deregister it, then end every stream.
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, shutdown::wakeFd(), nullptr);
        for (auto& [_, entry] : entries_) {
          if (!entry.fired) entry.onEnd();
          entry.fired = true;
        }
        continue;
      }
      auto it = entries_.find(token);
      if (it == entries_.end() || it->second.fired) continue;
      it->second.fired = true;
      it->second.onEnd();
    }
  }
}

}  // namespace moat::gateway
