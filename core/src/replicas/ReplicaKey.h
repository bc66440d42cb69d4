// The key replicas of one gateway share, and the signature it puts on a request one replica
// forwards to another: an HMAC-SHA256 over what the owner acts on (method, route, session,
// subject, time and a digest of the body), so the internal listener serves only its peers, and
// a recorded request cannot be replayed (SignatureLedger).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

namespace moat::replicas {

// What a forwarded request is signed over.
struct ForwardedRequest {
  std::string method;
  std::string route;
  std::string session;
  std::optional<std::string> subject;  // none: the route authenticates nobody
  int64_t unixSeconds = 0;
  const std::string* body = nullptr;
};

class ReplicaKey {
 public:
  // Reads the key from `file` (one trailing newline ignored). Throws std::runtime_error when
  // the file cannot be read or holds fewer than 32 bytes: a short key would be guessable.
  static ReplicaKey fromFile(const std::string& file);
  explicit ReplicaKey(std::string secret) : secret_(std::move(secret)) {}

  // Lower-case hex.
  std::string sign(const ForwardedRequest& request) const;
  // In constant time.
  bool verify(const ForwardedRequest& request, const std::string& signature) const;

 private:
  std::string secret_;
};

// Signatures accepted within the freshness window, so each is accepted once; bounded, oldest
// forgotten first.
class SignatureLedger {
 public:
  static constexpr std::chrono::seconds kWindow{60};  // how far a request's time may be from ours

  explicit SignatureLedger(size_t capacity = 200000) : capacity_(capacity) {}
  // Whether a request made at `unixSeconds` is fresh and `signature` unseen; records it if so.
  // `why` says what was wrong otherwise.
  bool admit(int64_t unixSeconds, const std::string& signature, std::string& why);

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> order_;
  std::unordered_set<std::string> seen_;
};

}  // namespace moat::replicas
