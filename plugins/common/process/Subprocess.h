// Running the host's own tools (npm, ldd, tar) while building an image: spawned with the signal
// mask reset (the gateway blocks SIGTERM for sigwait) and no stdin.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace moat::container {

struct Spawned {
  pid_t pid = -1;
  int output = -1;  // the child's stdout (and stderr when merged), to read
};

// Throws std::runtime_error naming the program when it cannot be started.
Spawned spawnReading(const std::vector<std::string>& argv, bool mergeStderr);
// The exit code, or 128 + signal.
int waitForExit(pid_t pid);

struct RunResult {
  int exitCode = 0;
  std::string output;  // stdout and stderr together
};
RunResult runCaptured(const std::vector<std::string>& argv);

}  // namespace moat::container
