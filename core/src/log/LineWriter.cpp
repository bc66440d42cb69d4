#include "log/LineWriter.h"

#include <poll.h>
#include <unistd.h>

#include <climits>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include "log/Log.h"

namespace moat::log {
namespace {

// A megabyte of lines is minutes of a busy gateway's access log: enough to ride out a slow
// reader, small enough that a reader that is gone costs little memory.
constexpr size_t kMaxQueuedBytes = 1 << 20;

struct Queue {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable drained;
  std::deque<std::string> lines;
  size_t bytes = 0;
  bool writing = false;
  bool asleep = false;  // the writer waits for lines: only then does a new line need to wake it
  uint64_t dropped = 0;
  uint64_t droppedReported = 0;
};

// Never destroyed: threads may still log while static objects are being destroyed at exit.
Queue& queue() {
  static Queue* instance = new Queue;
  return *instance;
}

// A line that cannot be written (EPIPE, ENOSPC, EBADF) is lost; there is nowhere to say so.
void writeAll(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

void writeForever() {
  Queue& q = queue();
  std::unique_lock lock(q.mutex);
  for (;;) {
    q.asleep = true;
    q.wake.wait(lock, [&] { return !q.lines.empty(); });
    q.asleep = false;
    std::deque<std::string> batch;
    batch.swap(q.lines);
    q.bytes = 0;
    uint64_t lost = q.dropped - q.droppedReported;
    q.droppedReported = q.dropped;
    q.writing = true;
    lock.unlock();
    std::string text;
    for (const auto& line : batch) text += line;
    writeAll(text);
    // Said after what was queued before the loss, in the configured format, through the queue.
    if (lost > 0)
      warn("log", "log lines were dropped: the log destination did not take them in time", {{"dropped", std::to_string(lost)}});
    lock.lock();
    q.writing = false;
    if (q.lines.empty()) q.drained.notify_all();
  }
}

void startWriter() {
  std::thread(writeForever).detach();
  std::atexit([] { flushLines(); });
}

}  // namespace

bool enqueueLine(std::string line) {
  static std::once_flag started;
  std::call_once(started, startWriter);
  Queue& q = queue();
  std::lock_guard lock(q.mutex);
  // While the destination keeps up, a line is written at once by the thread that logs it, so it
  // is out before the request that logged it is answered. Only a line that would wait (the
  // destination is not writable now, or lines are already queued ahead of it) goes to the
  // writer thread. A pipe takes a line of up to PIPE_BUF bytes whole when poll says writable.
  if (q.lines.empty() && !q.writing && q.dropped == q.droppedReported && line.size() <= PIPE_BUF) {
    pollfd destination{STDERR_FILENO, POLLOUT, 0};
    if (::poll(&destination, 1, 0) == 1 && destination.revents == POLLOUT) {
      writeAll(line);
      return true;
    }
  }
  if (q.bytes + line.size() > kMaxQueuedBytes) {
    ++q.dropped;
    return false;
  }
  q.bytes += line.size();
  q.lines.push_back(std::move(line));
  if (q.asleep) q.wake.notify_one();
  return true;
}

void flushLines(int timeoutMs) {
  Queue& q = queue();
  std::unique_lock lock(q.mutex);
  q.drained.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return q.lines.empty() && !q.writing; });
}

uint64_t droppedLines() {
  Queue& q = queue();
  std::lock_guard lock(q.mutex);
  return q.dropped;
}

}  // namespace moat::log
