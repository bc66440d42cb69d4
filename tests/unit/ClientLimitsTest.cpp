// Per-subject limits: the token bucket's burst and refill, streams per session, and the count
// of a subject's live sessions with abandoned ones aging out.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "server/ClientLimits.h"
#include "server/SessionBindings.h"

using moat::gateway::ClientLimits;
using moat::gateway::SessionBindings;

TEST_CASE("a subject gets its burst, then waits, and others have buckets of their own") {
  ClientLimits limits({2, 3, 4});
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limits.takeRequest("sub:alice"));
  std::optional<int> wait = limits.takeRequest("sub:alice");
  REQUIRE(wait);
  CHECK(*wait >= 1);
  CHECK_FALSE(limits.takeRequest("sub:bob"));
  SECTION("tokens come back at the rate") {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // 2/s: at least one token
    CHECK_FALSE(limits.takeRequest("sub:alice"));
  }
}

TEST_CASE("a rate of zero limits nothing") {
  ClientLimits limits({0, 1, 4});
  for (int i = 0; i < 1000; ++i) REQUIRE_FALSE(limits.takeRequest("address:127.0.0.1"));
}

TEST_CASE("streams per session: a place is taken while a stream is open and given back after") {
  ClientLimits limits({0, 1, 2});
  auto first = limits.openStream("s1");
  auto second = limits.openStream("s1");
  REQUIRE(first);
  REQUIRE(second);
  CHECK_FALSE(limits.openStream("s1"));
  CHECK(limits.openStream("s2"));  // another session
  second.reset();
  auto third = limits.openStream("s1");
  CHECK(third);
  // Moving a place keeps it taken once, not twice.
  std::optional<ClientLimits::StreamSlot> moved = std::move(first);
  first.reset();
  CHECK_FALSE(limits.openStream("s1"));
  moved.reset();
  CHECK(limits.openStream("s1"));
}

TEST_CASE("a subject's live sessions: counted per subject, ended by DELETE, aged out when abandoned") {
  SessionBindings bindings;
  bindings.bind("a1", "alice");
  bindings.bind("a2", "alice");
  bindings.bind("b1", "bob");
  CHECK(bindings.liveSessions("alice", std::chrono::minutes(30)) == 2);
  CHECK(bindings.liveSessions("bob", std::chrono::minutes(30)) == 1);
  CHECK(bindings.liveSessions("carol", std::chrono::minutes(30)) == 0);
  bindings.forget("a1");
  CHECK(bindings.liveSessions("alice", std::chrono::minutes(30)) == 1);
  CHECK(bindings.check("a2", "bob") == SessionBindings::Check::Other);

  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(bindings.check("a2", "alice") == SessionBindings::Check::Same);  // used just now
  CHECK(bindings.liveSessions("alice", std::chrono::milliseconds(20)) == 1);
  CHECK(bindings.liveSessions("bob", std::chrono::milliseconds(20)) == 0);  // abandoned: forgotten
  CHECK(bindings.check("b1", "bob") == SessionBindings::Check::Unbound);
}

TEST_CASE("sessions that come and go leave no trail: forgotten ids are dropped as new ones are bound") {
  SessionBindings bindings;
  for (int i = 0; i < 10000; ++i) {
    std::string id = "s" + std::to_string(i);
    bindings.bind(id, i % 2 ? "alice" : "bob");
    bindings.forget(id);  // a DELETE, or an abandoned session aged out
  }
  bindings.bind("live", "alice");
  CHECK(bindings.size() == 1);
  CHECK(bindings.remembered() <= 2 * bindings.size() + 16);
  CHECK(bindings.check("live", "alice") == SessionBindings::Check::Same);
}

TEST_CASE("the sessions gauge counts sessions used within the idle time, and idle unauthenticated ones are swept") {
  SessionBindings bindings(std::chrono::milliseconds(150));
  bindings.bind("anon-1", "");
  bindings.bind("alice-1", "alice");
  CHECK(bindings.active() == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  bindings.touch("anon-1");
  CHECK(bindings.active() == 1);
  for (int i = 0; i < 1100; ++i) bindings.bind("anon-new-" + std::to_string(i), "");  // a sweep runs every 1024 binds
  CHECK(bindings.active() == 1101);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 1024; ++i) bindings.bind("anon-later-" + std::to_string(i), "");
  // The idle anonymous sessions are gone; alice's stays bound (its subject check needs it).
  CHECK(bindings.size() == 1024 + 1);
  CHECK(bindings.check("alice-1", "bob") == SessionBindings::Check::Other);
}
