// One newline-delimited JSON-RPC conversation with a process: writes whole messages to its
// stdin, reads lines from its stdout on a thread of its own and hands each to `onLine`;
// `onClosed` runs once when stdout ends (the process exited) unless the channel was stopped.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace moat::gateway {

class StdioChannel {
 public:
  StdioChannel(int toServer, int fromServer, std::function<void(const std::string&)> onLine, std::function<void()> onClosed);
  ~StdioChannel();
  StdioChannel(const StdioChannel&) = delete;
  StdioChannel& operator=(const StdioChannel&) = delete;

  // One message, one line (raw newlines in the JSON text become spaces). False once the
  // process stopped reading.
  bool send(std::string message);
  // EOF on the process's stdin: a well-behaved server exits.
  void closeInput();
  // Stops the reader (without calling onClosed) and closes both ends. Idempotent.
  void stop();

 private:
  void readLoop();

  int toServer_;
  int fromServer_;
  std::function<void(const std::string&)> onLine_;
  std::function<void()> onClosed_;
  std::mutex writeMutex_;
  std::atomic<bool> stopping_{false};
  std::thread reader_;
};

}  // namespace moat::gateway
