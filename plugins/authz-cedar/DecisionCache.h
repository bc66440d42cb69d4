// Decisions already made, by their exact inputs. Cedar's decision is a function of the request
// alone (no clock, no randomness in the language), so a cached answer to the same subject, claims,
// action, target, arguments and annotations is the answer Cedar would give again; the cache only
// saves the work. Bounded and short-lived, and dropped with the instance on a reload.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace moat::cedar {

class DecisionCache {
 public:
  DecisionCache(size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}
  std::optional<bool> find(const std::string& key, int64_t nowMs);
  void put(const std::string& key, bool allowed, int64_t nowMs);
  bool enabled() const { return capacity_ > 0 && ttl_.count() > 0; }

 private:
  struct Entry {
    bool allowed;
    int64_t expiresMs;
    std::list<std::string>::iterator age;
  };
  size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> oldestFirst_;
};

}  // namespace moat::cedar
