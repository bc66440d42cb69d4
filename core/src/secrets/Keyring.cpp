#include "secrets/Keyring.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace moat::secrets {
namespace {

constexpr int kTimeoutMs = 5000;

struct Outcome {
  int status = -1;  // the exit status, or -1 when it could not run or timed out
  std::string output;
};

bool onPath(const std::string& program) {
  std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

// Runs argv with `input` on its standard input; standard error is discarded.
Outcome runTool(const std::vector<std::string>& argv, const std::string& input) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return {};
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return {};
  }
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 2);
    std::vector<char*> raw;
    for (const auto& word : argv) raw.push_back(const_cast<char*>(word.c_str()));
    raw.push_back(nullptr);
    ::execvp(raw[0], raw.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  Outcome outcome;
  if (child < 0) {
    ::close(in[1]);
    ::close(out[0]);
    return outcome;
  }
  // Small inputs fit in the pipe's buffer; a tool that never reads them cannot block us.
  ::signal(SIGPIPE, SIG_IGN);
  if (!input.empty() && ::write(in[1], input.data(), input.size()) < 0) outcome.status = -1;
  ::close(in[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  char buffer[4096];
  bool timedOut = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    outcome.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  if (timedOut) ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  outcome.status = !timedOut && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

std::string absolute(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::absolute(path, ignored).lexically_normal().string();
}

#ifdef __APPLE__
const char* const kTool = "security";
#else
const char* const kTool = "secret-tool";
#endif

}  // namespace

bool keyringAvailable() {
  const char* setting = std::getenv("MOAT_SECRETS_KEYRING");
  if (setting && std::string(setting) == "off") return false;
#ifndef __APPLE__
  const char* bus = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  if (!bus || !*bus) return false;
#endif
  return onPath(kTool);
}

std::optional<std::string> keyringLookup(const std::string& storePath) {
#ifdef __APPLE__
  Outcome found = runTool({kTool, "find-generic-password", "-s", "moat-secrets", "-a", absolute(storePath), "-w"}, "");
#else
  Outcome found = runTool({kTool, "lookup", "application", "moat-secrets", "store", absolute(storePath)}, "");
#endif
  while (!found.output.empty() && (found.output.back() == '\n' || found.output.back() == '\r')) found.output.pop_back();
  if (found.status != 0 || found.output.empty()) return std::nullopt;
  return found.output;
}

void keyringStore(const std::string& storePath, const std::string& key) {
#ifdef __APPLE__
  // `security` reads the password from the prompt when -w is last; this is the one place it
  // would take it as an argument, so the key is passed on standard input instead.
  Outcome stored = runTool({kTool, "add-generic-password", "-U", "-s", "moat-secrets", "-a", absolute(storePath), "-w"}, key + "\n" + key + "\n");
#else
  Outcome stored = runTool({kTool, "store", "--label", "Moat secret store " + absolute(storePath), "application", "moat-secrets", "store", absolute(storePath)}, key);
#endif
  if (stored.status != 0) throw std::runtime_error("the desktop keyring did not keep the secret store's key (MOAT_SECRETS_KEYRING=off to use a passphrase)");
}

}  // namespace moat::secrets
