// A container's stdin and stdout as two pipes the host can own, over one attach connection:
// bytes written to the stdin pipe go to the container, frames of stdout come back through the
// other pipe, stderr lines go to the gateway log tagged with the workload. When the host
// closes its stdin end, the connection is half-closed so the container sees end of input.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <utility>

#include "moat/plugin.hpp"

namespace moat::container {

class AttachedStdio {
 public:
  // Takes ownership of `connection`; `leftover` is what arrived with the response headers.
  AttachedStdio(Host host, std::string label, int connection, std::string leftover);
  ~AttachedStdio();
  AttachedStdio(const AttachedStdio&) = delete;
  AttachedStdio& operator=(const AttachedStdio&) = delete;

  // {stdin to write, stdout to read}, owned by the caller from now on. Throws when taken twice.
  std::pair<int, int> takeHostEnds();

 private:
  void pumpStdin();
  void pumpOutput(std::string leftover);

  Host host_;
  std::string label_;
  int connection_ = -1;
  int stdinRead_ = -1, stdinWrite_ = -1;
  int stdoutRead_ = -1, stdoutWrite_ = -1;
  int cancelRead_ = -1, cancelWrite_ = -1;  // wakes the stdin pump when the workload goes away
  bool taken_ = false;
  std::thread stdinPump_, outputPump_;
};

}  // namespace moat::container
