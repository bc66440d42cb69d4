// Exchanged tokens by hash(exchange parameters, subject token), kept until the issued token's
// expiry minus a skew, so a user's requests cost one exchange per token lifetime, not one per
// request. Concurrent requests for one key share a single in-flight exchange. Bounded,
// LRU-evicted; failures are shared with the requests waiting on them but never cached.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "exchange/ExchangeResult.h"

namespace moat::exchange {

struct CacheSettings {
  size_t capacity = 10'000;
  int64_t expirySkewMs = 30'000;  // stop using a token this long before it expires
  int64_t defaultTtlMs = 60'000;  // for a token issued with no expires_in and no readable exp
};

class ExchangeCache {
 public:
  enum class Source { Cache, Exchanged, Joined };

  explicit ExchangeCache(CacheSettings settings) : settings_(settings) {}

  // The cached result for `key`, or the result of `exchange` (run once for all concurrent
  // callers of the key). `now` is read after the exchange, for the entry's lifetime.
  ExchangeResult get(const std::string& key, const std::function<int64_t()>& nowMs,
                     const std::function<ExchangeResult()>& exchange, Source& source);

  // Forgets the entry holding this issued token (the upstream refused it); false when none does.
  bool forgetIssued(const std::string& token);

  size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::string token;
    int64_t validUntilMs;
    std::string delegation;
  };
  struct Flight {
    bool done = false;
    ExchangeResult result;
    std::condition_variable finished;
  };
  void storeLocked(const std::string& key, const ExchangeResult& result, int64_t nowMs);

  CacheSettings settings_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> byKey_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> inFlight_;
};

}  // namespace moat::exchange
