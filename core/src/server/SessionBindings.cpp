#include "server/SessionBindings.h"

namespace moat::gateway {

void SessionBindings::bind(const std::string& sessionId, const std::string& subject) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = subjects_.try_emplace(sessionId, subject);
  if (!inserted) return;  // first binder wins; a session never changes hands
  order_.push_back(sessionId);
  while (subjects_.size() > capacity_ && !order_.empty()) {
    subjects_.erase(order_.front());
    order_.pop_front();
  }
  // Ids forgotten by DELETE stay in order_ until they reach the front; keep it from growing.
  if (order_.size() > 2 * capacity_ + 16) {
    std::deque<std::string> live;
    for (auto& id : order_)
      if (subjects_.count(id)) live.push_back(std::move(id));
    order_.swap(live);
  }
}

SessionBindings::Check SessionBindings::check(const std::string& sessionId, const std::string& subject) const {
  std::lock_guard lock(mutex_);
  auto it = subjects_.find(sessionId);
  if (it == subjects_.end()) return Check::Unbound;
  return it->second == subject ? Check::Same : Check::Other;
}

void SessionBindings::forget(const std::string& sessionId) {
  std::lock_guard lock(mutex_);
  subjects_.erase(sessionId);
}

size_t SessionBindings::size() const {
  std::lock_guard lock(mutex_);
  return subjects_.size();
}

}  // namespace moat::gateway
