#include "server/SessionBindings.h"

#include <vector>

namespace moat::gateway {

void SessionBindings::bind(const std::string& sessionId, const std::string& subject) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = bindings_.try_emplace(sessionId, Binding{subject, std::chrono::steady_clock::now()});
  if (!inserted) return;  // first binder wins; a session never changes hands
  bySubject_[subject].insert(sessionId);
  order_.push_back(sessionId);
  if (subject.empty() && ++bindsSinceSweep_ >= 1024) sweepAnonymousLocked();
  while (bindings_.size() > capacity_ && !order_.empty()) {
    forgetLocked(order_.front());
    order_.pop_front();
  }
  // Ids forgotten (DELETE, idle) stay in order_ until they reach the front. Compacting once
  // half of it is forgotten ids keeps it within twice the live bindings at amortised O(1); a
  // bound on capacity_ alone let a busy gateway hold some 200,000 dead ids (found by the soak).
  if (order_.size() > 2 * bindings_.size() + 16) {
    std::deque<std::string> live;
    for (auto& id : order_)
      if (bindings_.count(id)) live.push_back(std::move(id));
    order_.swap(live);
  }
}

SessionBindings::Check SessionBindings::check(const std::string& sessionId, const std::string& subject) {
  std::lock_guard lock(mutex_);
  auto it = bindings_.find(sessionId);
  if (it == bindings_.end()) return Check::Unbound;
  if (it->second.subject != subject) return Check::Other;
  it->second.used = std::chrono::steady_clock::now();
  return Check::Same;
}

void SessionBindings::forget(const std::string& sessionId) {
  std::lock_guard lock(mutex_);
  forgetLocked(sessionId);
}

void SessionBindings::forgetLocked(const std::string& sessionId) {
  auto it = bindings_.find(sessionId);
  if (it == bindings_.end()) return;
  auto owned = bySubject_.find(it->second.subject);
  if (owned != bySubject_.end()) {
    owned->second.erase(sessionId);
    if (owned->second.empty()) bySubject_.erase(owned);
  }
  bindings_.erase(it);
}

void SessionBindings::touch(const std::string& sessionId) {
  std::lock_guard lock(mutex_);
  auto it = bindings_.find(sessionId);
  if (it != bindings_.end()) it->second.used = std::chrono::steady_clock::now();
}

size_t SessionBindings::active() const {
  std::lock_guard lock(mutex_);
  const auto cutoff = std::chrono::steady_clock::now() - idle_;
  size_t live = 0;
  for (const auto& [id, binding] : bindings_) live += binding.used >= cutoff;
  return live;
}

void SessionBindings::sweepAnonymousLocked() {
  bindsSinceSweep_ = 0;
  auto anonymous = bySubject_.find("");
  if (anonymous == bySubject_.end()) return;
  const auto cutoff = std::chrono::steady_clock::now() - idle_;
  std::vector<std::string> stale;
  for (const auto& id : anonymous->second)
    if (bindings_.at(id).used < cutoff) stale.push_back(id);
  for (const auto& id : stale) forgetLocked(id);
}

size_t SessionBindings::size() const {
  std::lock_guard lock(mutex_);
  return bindings_.size();
}

size_t SessionBindings::remembered() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

size_t SessionBindings::liveSessions(const std::string& subject, std::chrono::milliseconds idle) {
  std::lock_guard lock(mutex_);
  auto owned = bySubject_.find(subject);
  if (owned == bySubject_.end()) return 0;
  const auto cutoff = std::chrono::steady_clock::now() - idle;
  std::vector<std::string> stale;
  for (const auto& id : owned->second)
    if (bindings_.at(id).used < cutoff) stale.push_back(id);
  size_t live = owned->second.size() - stale.size();
  for (const auto& id : stale) forgetLocked(id);  // may erase `owned`
  return live;
}

}  // namespace moat::gateway
