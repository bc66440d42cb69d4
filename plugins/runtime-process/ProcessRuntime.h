// runtime-process: runs an MCP server as a local child process. stdin/stdout are handed to the
// host (attach_stdio) for the stdio bridge; stderr lines go to the gateway log tagged with the
// workload's name. Stop is graceful: the host closes stdin, then SIGTERM, then SIGKILL.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "moat/plugin.hpp"

class ProcessRuntime : public moat::Runtime {
 public:
  ProcessRuntime(const moat::Host& host, const moat::json::Value& config);
  ~ProcessRuntime() override;

  std::string start(std::string_view specJson) override;
  void stop(std::string_view id, uint32_t timeoutMs) override;
  std::string inspect(std::string_view id) override;
  void remove(std::string_view id) override;
  std::string list() override;
  std::pair<int, int> attachStdio(std::string_view id) override;

 private:
  struct Workload {
    std::string id;
    std::string name;
    pid_t pid = -1;
    int stdinFd = -1;   // ours until attached
    int stdoutFd = -1;  // ours until attached
    int stderrFd = -1;
    bool exited = false;
    int exitStatus = 0;
    std::thread stderrReader;
  };
  std::shared_ptr<Workload> find(std::string_view id);
  void reap(Workload& w, bool block);
  static std::string stateJson(const Workload& w);

  moat::Host host_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Workload>> workloads_;
  unsigned long counter_ = 0;
};
