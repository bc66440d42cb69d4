// When to start a supervised thing again after it stopped: one schedule for everything Moat
// supervises (stdio servers, containers, tunnel processes) and for plugins that supervise their
// own. The first restart after a healthy run is immediate; each further failure in a row waits
// `initial`, doubling up to `max`, shortened at random by up to `jitter` so that many gateways
// restarting the same thing do not retry in step; after `giveUpAfter` failures in a row the
// thing is reported as failed. A run that lasted `healthyAfter` starts the count over.
// Header-only, C++17; not thread-safe (the supervisor's own lock guards it).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace moat {

class RestartSchedule {
 public:
  struct Policy {
    int64_t initialMs = 500;
    int64_t maxMs = 30'000;
    int giveUpAfter = 0;  // 0: never give up
    int64_t healthyAfterMs = 10'000;
    double jitter = 0.2;
  };

  explicit RestartSchedule(Policy policy) : policy_(policy) {}

  // Records that the thing stopped, or failed to start, after running `ranMs` (0 when it never
  // came up). Returns how long to wait before the next attempt.
  std::chrono::milliseconds failed(int64_t ranMs) {
    if (ranMs >= policy_.healthyAfterMs) failures_ = 0;
    ++failures_;
    if (failures_ == 1) return std::chrono::milliseconds(0);
    int64_t wait = std::min<int64_t>(policy_.initialMs << std::min(failures_ - 2, 30), policy_.maxMs);
    if (policy_.jitter > 0 && wait > 0) {
      thread_local std::minstd_rand random(std::random_device{}());
      std::uniform_real_distribution<double> shorten(0, policy_.jitter);
      wait -= static_cast<int64_t>(static_cast<double>(wait) * shorten(random));
    }
    return std::chrono::milliseconds(wait);
  }

  // Whether the failures in a row have reached giveUpAfter.
  bool exhausted() const { return policy_.giveUpAfter > 0 && failures_ >= policy_.giveUpAfter; }
  int failures() const { return failures_; }

 private:
  Policy policy_;
  int failures_ = 0;
};

}  // namespace moat
