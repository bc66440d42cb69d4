#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "server/HangupWatcher.h"

using moat::gateway::HangupWatcher;

namespace {

// A connected socket pair, closed on destruction; one end is watched, the other hangs up.
struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0); }
  ~SocketPair() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  void hangUp() {
    ::close(fds[1]);
    fds[1] = -1;
  }
};

struct Signal {
  std::mutex mutex;
  std::condition_variable changed;
  int calls = 0;
  void fire() {
    std::lock_guard<std::mutex> lock(mutex);
    ++calls;
    changed.notify_all();
  }
  bool waitFor(int count, std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, limit, [&] { return calls >= count; });
  }
};

}  // namespace

TEST_CASE("a watched stream's peer hanging up calls back once") {
  SocketPair pair;
  Signal signal;
  uint64_t token = HangupWatcher::instance().watch(pair.fds[0], [&signal] { signal.fire(); });
  CHECK_FALSE(signal.waitFor(1, std::chrono::milliseconds(100)));  // nothing happened yet
  char byte = 'x';
  REQUIRE(::write(pair.fds[1], &byte, 1) == 1);  // data is not a hang-up
  CHECK_FALSE(signal.waitFor(1, std::chrono::milliseconds(100)));
  pair.hangUp();
  CHECK(signal.waitFor(1, std::chrono::seconds(5)));
  HangupWatcher::instance().unwatch(token);
  CHECK(signal.calls == 1);
}

TEST_CASE("after unwatch a hang-up calls nothing") {
  SocketPair pair;
  Signal signal;
  uint64_t token = HangupWatcher::instance().watch(pair.fds[0], [&signal] { signal.fire(); });
  HangupWatcher::instance().unwatch(token);
  pair.hangUp();
  CHECK_FALSE(signal.waitFor(1, std::chrono::milliseconds(300)));
}
