// Which authenticated subject opened each MCP session, so that a session id presented with
// another user's token is refused instead of reaching that user's session, and how many
// sessions each subject holds open.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace moat::core {
class SessionStoreClient;
}

namespace moat::gateway {

class SessionBindings {
 public:
  // Unavailable: the session is not known here and the shared store cannot be asked.
  enum class Check { Unbound, Same, Other, Unavailable };

  // Bounded: past `capacity` the oldest bindings are forgotten (their sessions are then
  // checked by the upstream alone, as on a route without authentication).
  explicit SessionBindings(std::chrono::milliseconds idle = std::chrono::minutes(30), size_t capacity = 100000)
      : idle_(idle), capacity_(capacity) {}

  // Shares the bindings with other replicas through `store`, under `keyPrefix` + session id: a
  // binding is written there when made, read there when a session is not known here, and its
  // expiry renewed while the session is used. With `owner` (this replica's internal URL, for
  // sessions that live in its processes) the binding also names where the session lives, so
  // other replicas forward to it. Call before serving.
  void share(std::shared_ptr<core::SessionStoreClient> store, std::string keyPrefix, std::string owner = {});

  // Throws core::StoreUnavailable when the bindings are shared and the store cannot take it.
  void bind(const std::string& sessionId, const std::string& subject);
  // Also marks the session used, when it is the subject's.
  Check check(const std::string& sessionId, const std::string& subject);
  void forget(const std::string& sessionId);
  // The internal URL of the replica the session lives on, when that is another one; else "".
  std::string remoteOwner(const std::string& sessionId) const;
  // Marks a session used on a route without authentication, whose sessions are bound to "".
  void touch(const std::string& sessionId);
  // Sessions used within the idle time given at construction (for the sessions gauge).
  size_t active() const;
  size_t size() const;
  // Session ids held for eviction order, bound or already forgotten: at most twice size() + 16.
  size_t remembered() const;
  // The sessions `subject` holds that were used within `idle`; older ones are forgotten first
  // (an abandoned session must not count against its subject for ever).
  size_t liveSessions(const std::string& subject, std::chrono::milliseconds idle);

 private:
  struct Binding {
    std::string subject;
    std::string owner;  // the replica the session lives on when not this one
    std::chrono::steady_clock::time_point used;
    std::chrono::steady_clock::time_point shared;  // when the store's expiry was last renewed
  };
  // Adds a binding; false when the session was bound already (the first binder wins).
  bool bindLocked(const std::string& sessionId, const std::string& subject, const std::string& owner = {});
  // What the store holds for a binding: the subject as a JSON string, or with the replica the
  // session lives on, {"subject":…,"owner":…}.
  std::string storedValue(const std::string& subject, const std::string& remoteOwner) const;
  void renewShared(const std::string& sessionId);
  Check checkStored(const std::string& sessionId, const std::string& subject);
  void forgetLocked(const std::string& sessionId);
  // Forgets sessions bound to "" that are idle: nothing checks them, so only the gauge loses them.
  void sweepAnonymousLocked();

  std::chrono::milliseconds idle_;
  size_t capacity_;
  size_t bindsSinceSweep_ = 0;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Binding> bindings_;
  std::unordered_map<std::string, std::unordered_set<std::string>> bySubject_;
  std::deque<std::string> order_;  // insertion order, for eviction
  std::shared_ptr<core::SessionStoreClient> store_;
  std::string keyPrefix_;
  std::string owner_;  // this replica's internal URL when the route's sessions live here
};

}  // namespace moat::gateway
