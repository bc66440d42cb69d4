// session-redis: the session store replicas share, in Redis. Keys expire by themselves (SET PX,
// PEXPIRE), so a replica that dies leaves nothing behind for long.
#pragma once

#include "RedisPool.h"
#include "moat/plugin.hpp"

namespace moat::redis {

class RedisSessionStore : public SessionStore {
 public:
  RedisSessionStore(const Host& host, const json::Value& config);

  void put(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
  std::optional<std::string> get(std::string_view key) override;
  bool touch(std::string_view key, std::chrono::milliseconds ttl) override;
  void remove(std::string_view key) override;

 private:
  Reply run(const std::vector<std::string_view>& args);
  std::string keyOf(std::string_view key) const { return prefix_ + std::string(key); }

  Host host_;
  std::string prefix_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace moat::redis
