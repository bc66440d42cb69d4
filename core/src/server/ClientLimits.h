// Limits on what one client may take of the gateway once its request is in: a request rate per
// subject (a token bucket each; the authenticated subject, or the client's address on a route
// without authentication) and open GET streams per session. Connection counts are the
// reactor's (server/ClientConnection.h); sessions per subject are SessionBindings'.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace moat::gateway {

class ClientLimits {
 public:
  struct Settings {
    double requestsPerSecond = 500;  // 0: no rate limit
    double burst = 1000;
    size_t streamsPerSession = 4;
  };
  explicit ClientLimits(Settings settings) : settings_(settings) {}

  // Takes one request from `subject`'s bucket: nullopt when allowed, else the whole seconds
  // until the next request would be (for Retry-After).
  std::optional<int> takeRequest(const std::string& subject);

  // An open GET stream's place, given back when destroyed.
  class StreamSlot {
   public:
    StreamSlot(ClientLimits* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    StreamSlot(StreamSlot&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) { other.owner_ = nullptr; }
    StreamSlot(const StreamSlot&) = delete;
    StreamSlot& operator=(const StreamSlot&) = delete;
    // Swaps: the place this one held is given back when `other` is destroyed.
    StreamSlot& operator=(StreamSlot&& other) noexcept {
      std::swap(owner_, other.owner_);
      std::swap(key_, other.key_);
      return *this;
    }
    ~StreamSlot();

   private:
    ClientLimits* owner_;
    std::string key_;
  };
  // A place for one more GET stream on `session`, or nullopt when it holds streamsPerSession.
  std::optional<StreamSlot> openStream(const std::string& session);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point refilled;
  };
  // Forgets buckets that have refilled completely: they hold nothing a new one would not.
  void dropFullBuckets(std::chrono::steady_clock::time_point now);

  const Settings settings_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::unordered_map<std::string, size_t> streams_;
};

}  // namespace moat::gateway
