#include "server/ClientLimits.h"

#include <algorithm>
#include <cmath>

namespace moat::gateway {
namespace {

// Past this many buckets, full ones are dropped before another is added.
constexpr size_t kBucketsBeforeSweep = 10000;

}  // namespace

std::optional<int> ClientLimits::takeRequest(const std::string& subject) {
  if (settings_.requestsPerSecond <= 0) return std::nullopt;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(subject);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kBucketsBeforeSweep) dropFullBuckets(now);
    it = buckets_.emplace(subject, Bucket{settings_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  bucket.tokens = std::min(settings_.burst, bucket.tokens + elapsed * settings_.requestsPerSecond);
  bucket.refilled = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - bucket.tokens) / settings_.requestsPerSecond)));
}

void ClientLimits::dropFullBuckets(std::chrono::steady_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed = std::chrono::duration<double>(now - it->second.refilled).count();
    if (it->second.tokens + elapsed * settings_.requestsPerSecond >= settings_.burst) it = buckets_.erase(it);
    else ++it;
  }
}

std::optional<ClientLimits::StreamSlot> ClientLimits::openStream(const std::string& session) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t& open = streams_[session];
  if (open >= settings_.streamsPerSession) return std::nullopt;
  ++open;
  return StreamSlot(this, session);
}

ClientLimits::StreamSlot::~StreamSlot() {
  if (!owner_) return;
  std::lock_guard<std::mutex> lock(owner_->mutex_);
  auto it = owner_->streams_.find(key_);
  if (it != owner_->streams_.end() && --it->second == 0) owner_->streams_.erase(it);
}

}  // namespace moat::gateway
