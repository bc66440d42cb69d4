#include "RedisSettings.h"

#include <stdexcept>

#include "moat/settings.hpp"

namespace moat::redis {
namespace {

// redis://[user[:password]@]host[:port][/db] (rediss:// for TLS); a password in the URL is
// refused: it would sit in the pipeline file, where password_file or ${secret:...} belong.
void readUrl(const std::string& url, Settings& out) {
  std::string rest;
  if (url.rfind("redis://", 0) == 0) rest = url.substr(8);
  else if (url.rfind("rediss://", 0) == 0) {
    rest = url.substr(9);
    out.tls = true;
  } else {
    throw std::runtime_error("url: expected redis://HOST:PORT/DB or rediss://HOST:PORT/DB");
  }
  if (size_t at = rest.find('@'); at != std::string::npos) {
    std::string user = rest.substr(0, at);
    if (user.find(':') != std::string::npos) throw std::runtime_error("url: put the password in password_file, password_env or password, not in the URL");
    out.username = user;
    rest = rest.substr(at + 1);
  }
  if (size_t slash = rest.find('/'); slash != std::string::npos) {
    const std::string db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      if (db.find_first_not_of("0123456789") != std::string::npos || db.size() > 4) throw std::runtime_error("url: the database must be a number");
      out.database = std::stoi(db);
    }
  }
  if (size_t colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoi(port) == 0 || std::stoi(port) > 65535)
      throw std::runtime_error("url: the port must be 1-65535");
    out.port = static_cast<uint16_t>(std::stoi(port));
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) throw std::runtime_error("url: no host");
  out.host = rest;
}

}  // namespace

Settings readSettings(const Host& host, const json::Value& config) {
  settings::checkKeys(config, {"url", "username", "password", "password_file", "password_env", "timeout", "pool_size", "key_prefix",
                               "tls_ca_file", "tls_server_name"},
                      host.instanceName());
  Settings out;
  readUrl(settings::required(config, "url", "where Redis is: redis://HOST:PORT/DB, or rediss:// for TLS"), out);
  if (std::string user = settings::text(config, "username"); !user.empty()) out.username = user;
  out.password = settings::secret(host, config, "password");
  while (!out.password.empty() && (out.password.back() == '\n' || out.password.back() == '\r')) out.password.pop_back();
  out.timeoutMs = settings::durationMs(config, "timeout", out.timeoutMs);
  out.poolSize = settings::count(config, "pool_size", out.poolSize);
  if (out.poolSize == 0) throw std::runtime_error("pool_size: at least 1");
  out.keyPrefix = settings::text(config, "key_prefix");
  out.caFile = settings::text(config, "tls_ca_file");
  out.serverName = settings::text(config, "tls_server_name");
  if (!out.tls && (!out.caFile.empty() || !out.serverName.empty())) throw std::runtime_error("tls_ca_file and tls_server_name go with a rediss:// url");
  return out;
}

}  // namespace moat::redis
