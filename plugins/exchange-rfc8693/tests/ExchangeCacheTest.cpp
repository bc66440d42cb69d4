// The exchange cache on its own: lifetimes, eviction, and one exchange for many waiters.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "crypto/Base64.h"
#include "exchange/Delegation.h"
#include "exchange/ExchangeCache.h"

using namespace moat::exchange;
using Kind = ExchangeResult::Kind;

namespace {

struct Clock {
  int64_t now = 1'000'000;
  std::function<int64_t()> fn() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("exchange cache: a token is reused until its expiry minus the skew, then exchanged again", "[cache]") {
  Clock clock;
  ExchangeCache cache({100, 30'000, 60'000});
  int calls = 0;
  auto exchange = [&] {
    ++calls;
    return ExchangeResult::issued("token-" + std::to_string(calls), clock.now + 300'000);
  };
  ExchangeCache::Source source;
  CHECK(cache.get("k", clock.fn(), exchange, source).token == "token-1");
  CHECK(source == ExchangeCache::Source::Exchanged);
  clock.now += 269'000;
  CHECK(cache.get("k", clock.fn(), exchange, source).token == "token-1");
  CHECK(source == ExchangeCache::Source::Cache);
  clock.now += 1'000;  // 270 s: 30 s before the 300 s expiry
  CHECK(cache.get("k", clock.fn(), exchange, source).token == "token-2");
  CHECK(source == ExchangeCache::Source::Exchanged);
  CHECK(calls == 2);
  CHECK(cache.get("other", clock.fn(), exchange, source).token == "token-3");
}

TEST_CASE("exchange cache: unknown lifetimes use the default, lifetimes inside the skew are not kept", "[cache]") {
  Clock clock;
  ExchangeCache cache({100, 30'000, 60'000});
  int calls = 0;
  ExchangeCache::Source source;
  auto noExpiry = [&] { ++calls; return ExchangeResult::issued("t", 0); };
  cache.get("a", clock.fn(), noExpiry, source);
  clock.now += 59'000;
  cache.get("a", clock.fn(), noExpiry, source);
  CHECK(calls == 1);
  clock.now += 1'000;
  cache.get("a", clock.fn(), noExpiry, source);
  CHECK(calls == 2);

  auto shortLived = [&] { ++calls; return ExchangeResult::issued("s", clock.now + 20'000); };
  cache.get("b", clock.fn(), shortLived, source);
  cache.get("b", clock.fn(), shortLived, source);
  CHECK(calls == 4);
}

TEST_CASE("exchange cache: failures are never cached, exceptions become Unavailable", "[cache]") {
  Clock clock;
  ExchangeCache cache({100, 0, 60'000});
  int calls = 0;
  ExchangeCache::Source source;
  auto refused = [&] { ++calls; return ExchangeResult::failed(Kind::Rejected, "invalid_grant"); };
  CHECK(cache.get("k", clock.fn(), refused, source).kind == Kind::Rejected);
  CHECK(cache.get("k", clock.fn(), refused, source).kind == Kind::Rejected);
  CHECK(calls == 2);
  CHECK(cache.size() == 0);
  auto throws = [&]() -> ExchangeResult { throw std::runtime_error("boom"); };
  auto result = cache.get("k", clock.fn(), throws, source);
  CHECK(result.kind == Kind::Unavailable);
  CHECK(result.reason == "boom");
}

TEST_CASE("exchange cache: bounded, the least recently used entry goes first", "[cache]") {
  Clock clock;
  ExchangeCache cache({2, 0, 60'000});
  int calls = 0;
  ExchangeCache::Source source;
  auto exchange = [&] { ++calls; return ExchangeResult::issued("t", 0); };
  cache.get("a", clock.fn(), exchange, source);
  cache.get("b", clock.fn(), exchange, source);
  cache.get("a", clock.fn(), exchange, source);  // a is now the most recent
  cache.get("c", clock.fn(), exchange, source);  // evicts b
  CHECK(cache.size() == 2);
  CHECK(calls == 3);
  cache.get("a", clock.fn(), exchange, source);
  CHECK(source == ExchangeCache::Source::Cache);
  cache.get("b", clock.fn(), exchange, source);
  CHECK(source == ExchangeCache::Source::Exchanged);
  CHECK(calls == 4);
}

TEST_CASE("exchange cache: entries that expired unused are dropped as new ones arrive, not kept until capacity", "[cache]") {
  Clock clock;
  ExchangeCache cache({10000, 0, 60'000});  // default lifetime 60 s
  ExchangeCache::Source source;
  auto exchange = [] { return ExchangeResult::issued("t", 0); };
  for (int i = 0; i < 100; ++i) {
    cache.get("user-token-" + std::to_string(i), clock.fn(), exchange, source);
    clock.now += 10'000;  // a new user token every 10 s, each used once
  }
  // Only the tokens of the last minute are still held.
  CHECK(cache.size() <= 7);
}

TEST_CASE("exchange cache: concurrent requests for one key share a single exchange", "[cache]") {
  Clock clock;
  ExchangeCache cache({100, 0, 60'000});
  std::atomic<int> calls{0}, joined{0}, cached{0};
  std::atomic<bool> release{false};
  auto slowExchange = [&] {
    ++calls;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return ExchangeResult::issued("shared-token", 0);
  };
  std::vector<std::thread> threads;
  std::vector<std::string> tokens(16);
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      ExchangeCache::Source source;
      tokens[i] = cache.get("k", clock.fn(), slowExchange, source).token;
      if (source == ExchangeCache::Source::Joined) ++joined;
      if (source == ExchangeCache::Source::Cache) ++cached;
    });
  // Let every thread reach the cache while the first exchange is still running.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  release = true;
  for (auto& t : threads) t.join();
  CHECK(calls == 1);
  CHECK(joined + cached == 15);  // a slow thread may arrive after the exchange and hit the cache
  CHECK(joined > 0);
  for (const auto& token : tokens) CHECK(token == "shared-token");
}

TEST_CASE("exchange cache: the delegation chain of an issued JWT is read once and kept with the token", "[cache]") {
  using moat::crypto::base64UrlEncode;
  const std::string jwt = base64UrlEncode(R"({"alg":"RS256"})") + "." +
                          base64UrlEncode(R"({"sub":"alice","act":{"sub":"moat-gateway","act":{"sub":"ci-agent"}}})") + ".c2ln";
  CHECK(delegationChain(jwt) == R"(["moat-gateway","ci-agent"])");
  CHECK(delegationChain(base64UrlEncode("{}") + "." + base64UrlEncode(R"({"sub":"alice"})") + ".c2ln").empty());
  CHECK(delegationChain("an-opaque-token").empty());
  CHECK(delegationChain("a.!!!.b").empty());

  Clock clock;
  ExchangeCache cache({100, 30'000, 60'000});
  auto exchange = [&] {
    ExchangeResult issued = ExchangeResult::issued(jwt, clock.now + 300'000);
    issued.delegation = delegationChain(issued.token);
    return issued;
  };
  ExchangeCache::Source source;
  cache.get("k", clock.fn(), exchange, source);
  ExchangeResult again = cache.get("k", clock.fn(), exchange, source);
  CHECK(source == ExchangeCache::Source::Cache);
  CHECK(again.delegation == R"(["moat-gateway","ci-agent"])");
}
