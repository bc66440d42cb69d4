// Starting the machine's own programs from a plugin (ssh, ngrok, npm, xdg-open): posix_spawn
// with PATH lookup, no stdin, and the signal state a normal program expects. The gateway blocks
// SIGTERM/SIGINT for sigwait and ignores SIGPIPE; a child must inherit neither.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace moat::process {

struct SpawnOptions {
  std::vector<std::string> argv;              // argv[0] is looked up in PATH
  std::vector<std::string> extraEnvironment;  // NAME=value, added to this process's environment
  enum class Output {
    Pipe,            // stdout to a pipe the caller reads; stderr inherited
    PipeWithStderr,  // stdout and stderr to one pipe
    Discard          // stdout and stderr to /dev/null
  } output = Output::PipeWithStderr;
};

struct Spawned {
  pid_t pid = -1;
  int output = -1;  // the read end of the pipe (close-on-exec), or -1 with Output::Discard
};

// Throws std::runtime_error "cannot run <program>: <reason>" when it cannot be started.
Spawned spawn(const SpawnOptions& options);
// Waits for the child; the exit code, or 128 + signal, or -1 when it cannot be waited for.
int waitForExit(pid_t pid);

struct RunResult {
  int exitCode = 0;
  std::string output;  // stdout and stderr together
};
// Runs to completion and collects what it printed.
RunResult runCaptured(const std::vector<std::string>& argv);

}  // namespace moat::process
