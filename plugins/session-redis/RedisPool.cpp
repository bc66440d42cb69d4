#include "RedisPool.h"

#include <algorithm>

namespace moat::redis {

Pool::Pool(Settings settings, std::function<void(bool, const std::string&)> onChange)
    : settings_(std::move(settings)), onChange_(std::move(onChange)) {}

std::unique_ptr<Connection> Pool::acquire(bool& reused) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.timeoutMs);
  reused = false;
  for (;;) {
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return connection;
    }
    if (open_ < settings_.poolSize) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty())
      throw ConnectionError("all " + std::to_string(settings_.poolSize) + " Redis connections stayed busy (pool_size)");
  }
  if (down_ && std::chrono::steady_clock::now() < retryAt_) throw ConnectionError("Redis is unreachable (retrying shortly)");
  ++open_;
  lock.unlock();
  try {
    auto connection = std::make_unique<Connection>(settings_);
    std::lock_guard relock(mutex_);
    if (down_) {
      down_ = false;
      backoff_ = std::chrono::milliseconds(100);
      if (onChange_) onChange_(true, "");
    }
    return connection;
  } catch (const std::exception& e) {
    {
      std::lock_guard relock(mutex_);
      --open_;
    }
    failed(e.what());
    throw;
  }
}

void Pool::release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection) idle_.push_back(std::move(connection));
  else --open_;
  returned_.notify_one();
}

void Pool::failed(const std::string& reason) {
  std::lock_guard lock(mutex_);
  const bool wasUp = !down_;
  down_ = true;
  retryAt_ = std::chrono::steady_clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
  // Connections made before the failure are likely broken too: let them go.
  open_ -= idle_.size();
  idle_.clear();
  if (wasUp && onChange_) onChange_(false, reason);
}

Reply Pool::run(const std::vector<std::string_view>& args) {
  for (;;) {
    bool reused = false;
    auto connection = acquire(reused);
    try {
      Reply reply = connection->command(args);
      release(std::move(connection));
      return reply;
    } catch (const ConnectionError& e) {
      release(nullptr);
      // A kept connection Redis closed meanwhile (it restarted, or timed the client out) says
      // nothing about Redis now: drop the others kept with it and try a new one. The commands
      // the store sends (SET, GET, PEXPIRE, DEL) are idempotent, so sending one again is safe.
      if (reused) {
        dropIdle();
        continue;
      }
      failed(e.what());
      throw;
    }
  }
}

void Pool::dropIdle() {
  std::lock_guard lock(mutex_);
  open_ -= idle_.size();
  idle_.clear();
}

}  // namespace moat::redis
