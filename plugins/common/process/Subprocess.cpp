#include "process/Subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace moat::process {

Spawned spawn(const SpawnOptions& options) {
  if (options.argv.empty()) throw std::runtime_error("cannot run an empty command");
  int pipeFds[2] = {-1, -1};
  const bool piped = options.output != SpawnOptions::Output::Discard;
  if (piped && ::pipe2(pipeFds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (piped) {
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
    if (options.output == SpawnOptions::Output::PipeWithStderr) posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv, envp;
  for (const auto& word : options.argv) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (const auto& e : options.extraEnvironment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  Spawned out;
  int error = posix_spawnp(&out.pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (piped) ::close(pipeFds[1]);
  if (error != 0) {
    if (piped) ::close(pipeFds[0]);
    throw std::runtime_error("cannot run " + options.argv[0] + ": " + std::strerror(error));
  }
  out.output = pipeFds[0];
  return out;
}

int waitForExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

RunResult runCaptured(const std::vector<std::string>& argv) {
  Spawned child = spawn({argv, {}, SpawnOptions::Output::PipeWithStderr});
  RunResult result;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(child.output, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(child.output);
  result.exitCode = waitForExit(child.pid);
  return result;
}

}  // namespace moat::process
