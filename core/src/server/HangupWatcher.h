// One thread that watches the client socket of every open GET stream for a hang-up, and the
// shutdown descriptor, so those streams sleep on their condition variable with no timeout
// instead of each waking up every few hundred milliseconds to look: with thousands of idle
// streams the periodic wakeups alone kept the machine busy.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace moat::gateway {

class HangupWatcher {
 public:
  static HangupWatcher& instance();

  // Calls `onEnd` on the watcher's thread, once, when the peer of `fd` hangs up or fails, and
  // when the gateway shuts down; fd < 0 watches for shutdown only. `onEnd` must not call back
  // into the watcher.
  uint64_t watch(int fd, std::function<void()> onEnd);
  // Ends a watch. Once this returns, its callback is not running and will not run.
  void unwatch(uint64_t token);

 private:
  HangupWatcher();
  void run();

  struct Entry {
    int fd;
    std::function<void()> onEnd;
    bool fired = false;
  };
  int epoll_ = -1;
  std::mutex mutex_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_ = 1;
};

}  // namespace moat::gateway
