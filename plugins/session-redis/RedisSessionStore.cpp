#include "RedisSessionStore.h"

#include <stdexcept>

namespace moat::redis {

RedisSessionStore::RedisSessionStore(const Host& host, const json::Value& config) : host_(host) {
  Settings settings = readSettings(host, config);
  prefix_ = settings.keyPrefix;
  const std::string where = settings.host + ":" + std::to_string(settings.port);
  pool_ = std::make_unique<Pool>(std::move(settings), [host = host_, where](bool up, const std::string& reason) {
    if (up) host.info("Redis at " + where + " is reachable again");
    else host.error("Redis at " + where + " is unreachable: " + reason);
  });
}

Reply RedisSessionStore::run(const std::vector<std::string_view>& args) {
  Reply reply = pool_->run(args);
  // READONLY (a replica), OOM, NOAUTH...: Redis is there but cannot do what is asked.
  if (reply.kind == Reply::Kind::Error) throw std::runtime_error("Redis refused " + std::string(args.front()) + ": " + reply.text);
  return reply;
}

void RedisSessionStore::put(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  const std::string name = keyOf(key), ms = std::to_string(ttl.count());
  run({"SET", name, value, "PX", ms});
}

std::optional<std::string> RedisSessionStore::get(std::string_view key) {
  const std::string name = keyOf(key);
  Reply reply = run({"GET", name});
  if (reply.kind == Reply::Kind::Nil) return std::nullopt;
  return reply.text;
}

bool RedisSessionStore::touch(std::string_view key, std::chrono::milliseconds ttl) {
  const std::string name = keyOf(key), ms = std::to_string(ttl.count());
  return run({"PEXPIRE", name, ms}).integer == 1;
}

void RedisSessionStore::remove(std::string_view key) {
  const std::string name = keyOf(key);
  run({"DEL", name});
}

}  // namespace moat::redis

MOAT_SESSION_STORE_PLUGIN("session-redis", "0.1.0", "MCP sessions shared by gateway replicas, in Redis", moat::redis::RedisSessionStore)
