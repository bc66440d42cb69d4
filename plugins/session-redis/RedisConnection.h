// One connection to Redis: POCO's sockets carry the bytes (plain TCP, or TLS through NetSSL),
// hiredis formats the commands and parses the replies. Debian's hiredis (0.14) has no TLS of its
// own, so it is used for the protocol only; that is the part worth not writing twice.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "RedisSettings.h"

namespace moat::redis {

// Redis could not be reached, broke the connection, or did not answer in time: the connection
// is useless afterwards.
class ConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Reply {
  enum class Kind { String, Integer, Nil, Status, Error, Array } kind = Kind::Nil;
  std::string text;       // String, Status, Error
  long long integer = 0;  // Integer
};

class Connection {
 public:
  // Connects, logs in (AUTH) and selects the database; throws ConnectionError, or
  // std::runtime_error when Redis refuses the login.
  explicit Connection(const Settings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One command, its reply. An error reply is returned, not thrown.
  Reply command(const std::vector<std::string_view>& args);

 private:
  struct Wire;
  std::unique_ptr<Wire> wire_;
};

}  // namespace moat::redis
