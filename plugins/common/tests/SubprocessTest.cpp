// Spawning the machine's programs: output captured, exit codes and signals reported, a missing
// program named, and the gateway's blocked signals not inherited.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include "process/Subprocess.h"

using namespace moat;

TEST_CASE("output and exit code are captured") {
  auto result = process::runCaptured({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(result.exitCode == 3);
  CHECK(result.output.find("out\n") != std::string::npos);
  CHECK(result.output.find("err\n") != std::string::npos);
}

TEST_CASE("a program that is not there is named") {
  CHECK_THROWS_WITH(process::spawn({{"moat-no-such-program"}, {}, process::SpawnOptions::Output::Discard}),
                    Catch::StartsWith("cannot run moat-no-such-program:"));
}

TEST_CASE("the child gets extra environment, no stdin, and an empty signal mask") {
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  auto child = process::spawn({{"sh", "-c", "echo $MOAT_TEST_VALUE; cat; grep SigBlk /proc/self/status"}, {"MOAT_TEST_VALUE=seen"},
                               process::SpawnOptions::Output::Pipe});
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  std::string output;
  char buffer[512];
  for (ssize_t n; (n = ::read(child.output, buffer, sizeof buffer)) > 0;) output.append(buffer, static_cast<size_t>(n));
  ::close(child.output);
  CHECK(process::waitForExit(child.pid) == 0);
  CHECK(output.find("seen\n") == 0);
  CHECK(output.find("SigBlk:\t0000000000000000") != std::string::npos);
}

TEST_CASE("death by signal is 128 + the signal") {
  auto child = process::spawn({{"sh", "-c", "kill -9 $$"}, {}, process::SpawnOptions::Output::Discard});
  CHECK(process::waitForExit(child.pid) == 128 + SIGKILL);
}
