// Keys of objects to reconcile, each at most once in the queue, each with a time it is due:
// a burst of events for one object collapses into one reconcile, and a failing one waits out its
// backoff without holding up the others.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace moat::op {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Due after `delay`; a key already queued keeps the earlier of its two times.
  void add(const std::string& key, std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  // The next due key, waiting for it; nullopt once shut down.
  std::optional<std::string> next();
  void shutDown();

  // Exponential backoff per key, 1 s doubling to 5 min; forgotten after a success.
  std::chrono::milliseconds failed(const std::string& key);
  void succeeded(const std::string& key);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Clock::time_point> due_;
  std::map<std::string, std::chrono::milliseconds> backoff_;
  bool shutDown_ = false;
};

}  // namespace moat::op
