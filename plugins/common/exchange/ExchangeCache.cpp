#include "exchange/ExchangeCache.h"

namespace moat::exchange {

ExchangeResult ExchangeCache::get(const std::string& key, const std::function<int64_t()>& nowMs,
                                  const std::function<ExchangeResult()>& exchange, Source& source) {
  std::unique_lock lock(mutex_);
  if (auto it = byKey_.find(key); it != byKey_.end()) {
    if (nowMs() < it->second->validUntilMs) {
      order_.splice(order_.begin(), order_, it->second);
      source = Source::Cache;
      ExchangeResult cached = ExchangeResult::issued(it->second->token, it->second->validUntilMs);
      cached.delegation = it->second->delegation;
      return cached;
    }
    order_.erase(it->second);
    byKey_.erase(it);
  }
  if (auto it = inFlight_.find(key); it != inFlight_.end()) {
    std::shared_ptr<Flight> flight = it->second;
    flight->finished.wait(lock, [&] { return flight->done; });
    source = Source::Joined;
    return flight->result;
  }
  auto flight = std::make_shared<Flight>();
  inFlight_[key] = flight;
  lock.unlock();

  ExchangeResult result;
  try {
    result = exchange();
  } catch (const std::exception& e) {
    result = ExchangeResult::failed(ExchangeResult::Kind::Unavailable, e.what());
  }

  lock.lock();
  if (result.ok()) storeLocked(key, result, nowMs());
  inFlight_.erase(key);
  flight->result = result;
  flight->done = true;
  flight->finished.notify_all();
  source = Source::Exchanged;
  return result;
}

void ExchangeCache::storeLocked(const std::string& key, const ExchangeResult& result, int64_t nowMs) {
  if (settings_.capacity == 0) return;
  int64_t validUntil = result.expiresAtMs ? result.expiresAtMs - settings_.expirySkewMs : nowMs + settings_.defaultTtlMs;
  if (validUntil <= nowMs) return;  // too short-lived to reuse
  if (auto it = byKey_.find(key); it != byKey_.end()) {
    order_.erase(it->second);
    byKey_.erase(it);
  }
  order_.push_front(Entry{key, result.token, validUntil, result.delegation});
  byKey_[key] = order_.begin();
  // Tokens expire while they sit unused at the back: dropped there, not only at capacity.
  while (byKey_.size() > settings_.capacity || order_.back().validUntilMs <= nowMs) {
    byKey_.erase(order_.back().key);
    order_.pop_back();
    if (order_.empty()) break;
  }
}

bool ExchangeCache::forgetIssued(const std::string& token) {
  std::lock_guard lock(mutex_);
  for (auto it = order_.begin(); it != order_.end(); ++it) {
    if (it->token != token) continue;
    byKey_.erase(it->key);
    order_.erase(it);
    return true;
  }
  return false;
}

size_t ExchangeCache::size() const {
  std::lock_guard lock(mutex_);
  return byKey_.size();
}

}  // namespace moat::exchange
