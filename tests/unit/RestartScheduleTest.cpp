// The one restart schedule every supervised thing follows.
#include <catch2/catch.hpp>

#include "moat/restart.hpp"

using moat::RestartSchedule;

namespace {
RestartSchedule exact(int giveUpAfter = 0) {
  RestartSchedule::Policy policy;
  policy.initialMs = 500;
  policy.maxMs = 3'000;
  policy.giveUpAfter = giveUpAfter;
  policy.jitter = 0;
  return RestartSchedule(policy);
}
}  // namespace

TEST_CASE("the first restart is immediate, then the wait doubles up to the maximum") {
  RestartSchedule schedule = exact();
  std::vector<long> waits;
  for (int i = 0; i < 7; ++i) waits.push_back(static_cast<long>(schedule.failed(100).count()));
  CHECK(waits == std::vector<long>{0, 500, 1'000, 2'000, 3'000, 3'000, 3'000});
  CHECK(schedule.failures() == 7);
}

TEST_CASE("a run that lasted long enough starts the count over") {
  RestartSchedule schedule = exact(3);
  schedule.failed(0);
  schedule.failed(0);
  CHECK(schedule.failed(10'000).count() == 0);
  CHECK(schedule.failures() == 1);
  CHECK_FALSE(schedule.exhausted());
}

TEST_CASE("after giveUpAfter failures in a row the schedule is exhausted") {
  RestartSchedule schedule = exact(3);
  schedule.failed(0);
  schedule.failed(0);
  CHECK_FALSE(schedule.exhausted());
  schedule.failed(0);
  CHECK(schedule.exhausted());
  CHECK_FALSE(exact(0).exhausted());
}

TEST_CASE("jitter only shortens a wait, by at most its fraction") {
  RestartSchedule::Policy policy;
  policy.initialMs = 1'000;
  policy.maxMs = 1'000;
  policy.jitter = 0.2;
  RestartSchedule schedule(policy);
  schedule.failed(0);
  bool varied = false;
  long first = static_cast<long>(schedule.failed(0).count());
  for (int i = 0; i < 50; ++i) {
    long wait = static_cast<long>(schedule.failed(0).count());
    CHECK(wait <= 1'000);
    CHECK(wait >= 800);
    varied = varied || wait != first;
  }
  CHECK(varied);
}
