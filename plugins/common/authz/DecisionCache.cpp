#include "authz/DecisionCache.h"

namespace moat::authz {

std::optional<bool> DecisionCache::find(const std::string& key, int64_t nowMs) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expiresMs <= nowMs) {
    oldestFirst_.erase(it->second.age);
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.allowed;
}

void DecisionCache::put(const std::string& key, bool allowed, int64_t nowMs) {
  if (!enabled()) return;
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.allowed = allowed;
    it->second.expiresMs = nowMs + ttl_.count();
    return;
  }
  while (entries_.size() >= capacity_ && !oldestFirst_.empty()) {
    entries_.erase(oldestFirst_.front());
    oldestFirst_.pop_front();
  }
  oldestFirst_.push_back(key);
  entries_.emplace(key, Entry{allowed, nowMs + ttl_.count(), std::prev(oldestFirst_.end())});
}

std::string decisionKey(std::string_view subject, std::string_view claimsJson, const AuthzQuery& query, bool withArguments) {
  std::string key;
  key.reserve(subject.size() + claimsJson.size() + query.target.size() + query.annotationsJson.size() +
              (withArguments ? query.argumentsJson.size() : 0) + 32);
  for (std::string_view part : {subject, claimsJson, query.feature, query.operation, query.target, query.annotationsJson}) {
    key.append(part);
    key.push_back('\0');
  }
  if (withArguments) key.append(query.argumentsJson);
  return key;
}

}  // namespace moat::authz
