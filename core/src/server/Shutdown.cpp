#include "server/Shutdown.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace moat::gateway::shutdown {
namespace {

std::atomic<bool> gRequested{false};

struct WakePipe {
  int fds[2] = {-1, -1};
  WakePipe() {
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("cannot create the shutdown pipe");
  }
};

WakePipe& wakePipe() {
  static WakePipe pipe;
  return pipe;
}

}  // namespace

void request() {
  if (gRequested.exchange(true)) return;
  char byte = 1;
  // Never read: the pipe stays readable for every later poll.
  [[maybe_unused]] ssize_t written = ::write(wakePipe().fds[1], &byte, 1);
}

bool requested() { return gRequested.load(std::memory_order_relaxed); }

int wakeFd() { return wakePipe().fds[0]; }

}  // namespace moat::gateway::shutdown
