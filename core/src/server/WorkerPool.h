// The threads that serve requests. A connection reaches a worker only once a request head is
// waiting on it, so a worker is busy exactly as long as a request is: slow or idle clients wait
// in the reactor and hold no thread. Threads start on demand up to the limit and then stay,
// each with a small stack whose pages go back to the kernel while it waits for work.
#pragma once

#include <Poco/Thread.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "server/ClientConnection.h"

namespace moat::gateway {

class WorkerPool {
 public:
  using Work = std::function<void(std::unique_ptr<ClientConnection>)>;
  WorkerPool(size_t maxThreads, size_t maxQueued, Work work);
  ~WorkerPool();

  // Hands `connection` to a worker; leaves it with the caller and returns false when every
  // worker is busy and the queue is full.
  bool submit(std::unique_ptr<ClientConnection>& connection);
  // Lets the workers finish what they hold and the queue, then joins them.
  void stop();

 private:
  void serve();

  const size_t maxThreads_;
  const size_t maxQueued_;
  const Work work_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::unique_ptr<ClientConnection>> queue_;
  std::vector<std::unique_ptr<Poco::Thread>> threads_;
  size_t waiting_ = 0;  // threads waiting for work
  bool stopping_ = false;
};

}  // namespace moat::gateway
