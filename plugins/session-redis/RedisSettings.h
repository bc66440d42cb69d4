// session-redis's configuration: where Redis is (redis:// or rediss:// for TLS), who to log in
// as, and how long a replica waits for it.
#pragma once

#include <cstdint>
#include <string>

#include "moat/json.hpp"
#include "moat/plugin.hpp"

namespace moat::redis {

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int database = 0;
  bool tls = false;
  std::string caFile;        // TLS: trust these CAs instead of the system store
  std::string serverName;    // TLS: the name the certificate must carry (default: host)
  std::string username;      // Redis 6 ACL user; empty: the default user
  std::string password;      // never logged
  int64_t timeoutMs = 500;   // connect, and each command
  size_t poolSize = 16;      // connections kept open per replica
  std::string keyPrefix;     // before every key the host writes (several gateways on one Redis)
};

// Throws std::runtime_error naming the key.
Settings readSettings(const Host& host, const json::Value& config);

}  // namespace moat::redis
