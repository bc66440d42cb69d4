#include "operator/WorkQueue.h"

#include <algorithm>

namespace moat::op {

void WorkQueue::add(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  const Clock::time_point when = Clock::now() + delay;
  auto [it, inserted] = due_.emplace(key, when);
  if (!inserted) it->second = std::min(it->second, when);
  changed_.notify_all();
}

std::optional<std::string> WorkQueue::next() {
  std::unique_lock lock(mutex_);
  while (!shutDown_) {
    auto earliest = std::min_element(due_.begin(), due_.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    if (earliest == due_.end()) {
      changed_.wait(lock);
      continue;
    }
    if (earliest->second <= Clock::now()) {
      std::string key = earliest->first;
      due_.erase(earliest);
      return key;
    }
    changed_.wait_until(lock, earliest->second);
  }
  return std::nullopt;
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mutex_);
  shutDown_ = true;
  changed_.notify_all();
}

std::chrono::milliseconds WorkQueue::failed(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& delay = backoff_[key];
  delay = delay.count() == 0 ? std::chrono::milliseconds(1000) : std::min(delay * 2, std::chrono::milliseconds(300000));
  return delay;
}

void WorkQueue::succeeded(const std::string& key) {
  std::lock_guard lock(mutex_);
  backoff_.erase(key);
}

}  // namespace moat::op
