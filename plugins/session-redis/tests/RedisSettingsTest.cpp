#define CATCH_CONFIG_MAIN
// session-redis's settings over the SDK's fake host. The store itself meets a real redis-server
// in tests/integration/replicas.test.mjs.
#include <catch2/catch.hpp>

#include "RedisSettings.h"
#include "moat/testing.hpp"

using moat::testing::FakeHost;

namespace {

moat::redis::Settings read(FakeHost& host, const std::string& config) {
  return moat::redis::readSettings(host.host(), moat::json::parse(config));
}

}  // namespace

TEST_CASE("redis and rediss URLs: host, port, database, user and TLS") {
  FakeHost host;
  auto plain = read(host, R"({"url": "redis://cache.internal:6380/2"})");
  CHECK(plain.host == "cache.internal");
  CHECK(plain.port == 6380);
  CHECK(plain.database == 2);
  CHECK_FALSE(plain.tls);
  auto tls = read(host, R"({"url": "rediss://moat@redis.example.com", "tls_ca_file": "/etc/ca.pem", "timeout": "2s", "pool_size": 4})");
  CHECK(tls.tls);
  CHECK(tls.port == 6379);
  CHECK(tls.username == "moat");
  CHECK(tls.caFile == "/etc/ca.pem");
  CHECK(tls.timeoutMs == 2000);
  CHECK(tls.poolSize == 4);
}

TEST_CASE("the password comes from a file or the environment, never the URL") {
  FakeHost host;
  host.files["/run/secrets/redis"] = "s3cret\n";
  CHECK(read(host, R"({"url": "redis://127.0.0.1", "password_file": "/run/secrets/redis"})").password == "s3cret");
  host.env["REDIS_PASSWORD"] = "from-env";
  CHECK(read(host, R"({"url": "redis://127.0.0.1", "password_env": "REDIS_PASSWORD"})").password == "from-env");
  CHECK_THROWS_WITH(read(host, R"({"url": "redis://user:s3cret@127.0.0.1"})"),
                    "url: put the password in password_file, password_env or password, not in the URL");
}

TEST_CASE("bad settings are refused by name") {
  FakeHost host;
  CHECK_THROWS_WITH(read(host, R"({"url": "http://127.0.0.1"})"), "url: expected redis://HOST:PORT/DB or rediss://HOST:PORT/DB");
  CHECK_THROWS_WITH(read(host, R"({"url": "redis://127.0.0.1:99999"})"), "url: the port must be 1-65535");
  CHECK_THROWS_WITH(read(host, R"({"url": "redis://127.0.0.1/x"})"), "url: the database must be a number");
  CHECK_THROWS_WITH(read(host, R"({"url": "redis://127.0.0.1", "tls_ca_file": "/ca"})"), "tls_ca_file and tls_server_name go with a rediss:// url");
  CHECK_THROWS_WITH(read(host, R"({"url": "redis://127.0.0.1", "pool_size": 0})"), "pool_size: at least 1");
  CHECK_THROWS_AS(read(host, R"({"url": "redis://127.0.0.1", "colour": "red"})"), std::exception);
}
