#include "server/SessionBindings.h"

#include <vector>

#include "log/Log.h"
#include "moat/json.hpp"
#include "store/SessionStoreClient.h"

namespace moat::gateway {

void SessionBindings::share(std::shared_ptr<core::SessionStoreClient> store, std::string keyPrefix, std::string owner) {
  store_ = std::move(store);
  keyPrefix_ = std::move(keyPrefix);
  owner_ = std::move(owner);
}

std::string SessionBindings::storedValue(const std::string& subject, const std::string& remoteOwner) const {
  const std::string& owner = remoteOwner.empty() ? owner_ : remoteOwner;
  // A bare string when no replica owns the session: what replicas without forwarding read.
  if (owner.empty()) return json::quote(subject);
  return "{\"subject\":" + json::quote(subject) + ",\"owner\":" + json::quote(owner) + "}";
}

void SessionBindings::bind(const std::string& sessionId, const std::string& subject) {
  {
    std::lock_guard lock(mutex_);
    if (!bindLocked(sessionId, subject)) return;
  }
  // Another replica must find the binding before the client can come to it with the session.
  if (store_) {
    try {
      store_->put(keyPrefix_ + sessionId, storedValue(subject, {}), idle_);
    } catch (const core::StoreUnavailable&) {
      forget(sessionId);
      throw;
    }
  }
}

bool SessionBindings::bindLocked(const std::string& sessionId, const std::string& subject, const std::string& owner) {
  const auto now = std::chrono::steady_clock::now();
  auto [it, inserted] = bindings_.try_emplace(sessionId, Binding{subject, owner, now, now});
  if (!inserted) return false;  // first binder wins; a session never changes hands
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
  return true;
}

SessionBindings::Check SessionBindings::check(const std::string& sessionId, const std::string& subject) {
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    auto it = bindings_.find(sessionId);
    if (it == bindings_.end() && !store_) return Check::Unbound;
    if (it != bindings_.end()) {
      known = true;
      if (it->second.subject != subject) return Check::Other;
      const auto now = std::chrono::steady_clock::now();
      it->second.used = now;
      // Renewing the store's expiry on every request would cost a round trip each; a quarter of
      // the idle time keeps it alive while the session is used.
      if (!store_ || now - it->second.shared < idle_ / 4) return Check::Same;
      it->second.shared = now;
    }
  }
  if (!known) return checkStored(sessionId, subject);
  renewShared(sessionId);  // outside the lock: a round trip to the store
  return Check::Same;
}

// A session this replica has not seen: another one may have opened it.
SessionBindings::Check SessionBindings::checkStored(const std::string& sessionId, const std::string& subject) {
  std::optional<std::string> stored;
  try {
    stored = store_->get(keyPrefix_ + sessionId);
  } catch (const core::StoreUnavailable& e) {
    log::warn("sessions", "session store unavailable", {{"reason", e.what()}});
    return Check::Unavailable;
  }
  if (!stored) return Check::Unbound;
  std::string boundTo;
  std::string livesOn;
  try {
    json::Value value = json::parse(*stored);
    if (value.isString()) {
      boundTo = value.asString();
    } else {
      const json::Value* subject = value.find("subject");
      const json::Value* owner = value.find("owner");
      if (!subject || !owner) throw std::runtime_error("a binding is a subject, or an object with subject and owner");
      boundTo = subject->asString();
      livesOn = owner->asString();
    }
  } catch (const std::exception&) {
    // The id is the client's; logging it would hand the session to whoever reads the log.
    log::warn("sessions", "unreadable binding in the session store", {{"route_key", keyPrefix_}});
    return Check::Unavailable;
  }
  if (livesOn == owner_) livesOn.clear();  // this replica's own, from before a restart
  {
    std::lock_guard lock(mutex_);
    bindLocked(sessionId, boundTo, livesOn);  // learnt from another replica; the store already has it
  }
  return boundTo == subject ? Check::Same : Check::Other;
}

void SessionBindings::renewShared(const std::string& sessionId) {
  try {
    if (store_->touch(keyPrefix_ + sessionId, idle_)) return;
    // Expired there (or the store was emptied): write it again, as this replica knows it.
    std::string value;
    {
      std::lock_guard lock(mutex_);
      auto it = bindings_.find(sessionId);
      if (it == bindings_.end()) return;
      value = storedValue(it->second.subject, it->second.owner);
    }
    store_->put(keyPrefix_ + sessionId, value, idle_);
  } catch (const core::StoreUnavailable& e) {
    // This replica still knows the session; others learn it again once the store is back.
    log::warn("sessions", "session store unavailable", {{"reason", e.what()}});
  }
}

void SessionBindings::forget(const std::string& sessionId) {
  {
    std::lock_guard lock(mutex_);
    forgetLocked(sessionId);
  }
  if (!store_) return;
  try {
    store_->remove(keyPrefix_ + sessionId);
  } catch (const core::StoreUnavailable& e) {
    log::warn("sessions", "session store unavailable; the binding expires there by itself", {{"reason", e.what()}});
  }
}

std::string SessionBindings::remoteOwner(const std::string& sessionId) const {
  std::lock_guard lock(mutex_);
  auto it = bindings_.find(sessionId);
  return it == bindings_.end() ? std::string() : it->second.owner;
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
