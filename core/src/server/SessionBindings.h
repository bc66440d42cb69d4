// Which authenticated subject opened each MCP session, so that a session id presented with
// another user's token is refused instead of reaching that user's session.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace moat::gateway {

class SessionBindings {
 public:
  enum class Check { Unbound, Same, Other };

  // Bounded: past `capacity` the oldest bindings are forgotten (their sessions are then
  // checked by the upstream alone, as on a route without authentication).
  explicit SessionBindings(size_t capacity = 100000) : capacity_(capacity) {}

  void bind(const std::string& sessionId, const std::string& subject);
  Check check(const std::string& sessionId, const std::string& subject) const;
  void forget(const std::string& sessionId);
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> subjects_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace moat::gateway
