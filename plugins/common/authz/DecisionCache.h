// Authorizers' decisions already made, by their exact inputs (decisionKey): the same subject,
// claims, feature, operation, target, annotations and, where they matter, arguments. Bounded,
// oldest dropped first, each entry for a TTL; dropped with the instance on a reload.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "moat/plugin.hpp"

namespace moat::authz {

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

// The key of a decision: every input of the question, NUL-separated; the arguments only when
// `withArguments` (an authorizer that knows none of its rules reads them leaves them out).
std::string decisionKey(std::string_view subject, std::string_view claimsJson, const AuthzQuery& query, bool withArguments);

}  // namespace moat::authz
