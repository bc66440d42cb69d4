// The connections one replica keeps to Redis. A request borrows one for a command; a broken
// connection is dropped, not returned, and a kept one found broken is replaced at once. After a failure to connect, new connections are not tried
// again until a backoff (100 ms doubling to 5 s) has passed, so while Redis is down each request
// fails at once instead of waiting out a connect timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "RedisConnection.h"

namespace moat::redis {

class Pool {
 public:
  // `onChange(up, reason)` is told when Redis becomes unreachable and when it is back.
  Pool(Settings settings, std::function<void(bool up, const std::string& reason)> onChange);

  // Runs one command on a pooled connection; throws ConnectionError (or std::runtime_error for
  // a refused login) when Redis cannot be used now.
  Reply run(const std::vector<std::string_view>& args);

 private:
  // `reused`: the connection was kept from an earlier command (it may have gone stale).
  std::unique_ptr<Connection> acquire(bool& reused);
  void dropIdle();
  void release(std::unique_ptr<Connection> connection);
  void failed(const std::string& reason);

  const Settings settings_;
  std::function<void(bool, const std::string&)> onChange_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;  // idle and borrowed
  bool down_ = false;
  std::chrono::steady_clock::time_point retryAt_{};
  std::chrono::milliseconds backoff_{100};
};

}  // namespace moat::redis
