#include "server/WorkerPool.h"

#include <Poco/Exception.h>

#include <chrono>

#include "log/Log.h"
#include "server/IdleStack.h"

namespace moat::gateway {
namespace {

// Workers mostly wait on sockets; a small stack keeps many open streams cheap.
constexpr int kWorkerStackBytes = 256 * 1024;
constexpr auto kIdleBeforeRelease = std::chrono::seconds(2);

}  // namespace

WorkerPool::WorkerPool(size_t maxThreads, size_t maxQueued, Work work)
    : maxThreads_(maxThreads), maxQueued_(maxQueued), work_(std::move(work)) {}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(std::unique_ptr<ClientConnection>& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return false;
  const bool canGrow = threads_.size() < maxThreads_;
  if (waiting_ <= queue_.size() && !canGrow && queue_.size() >= maxQueued_) return false;
  queue_.push_back(std::move(connection));
  if (waiting_ >= queue_.size()) {
    ready_.notify_one();
    return true;
  }
  if (canGrow) {
    auto thread = std::make_unique<Poco::Thread>("moat-worker");
    thread->setStackSize(kWorkerStackBytes);
    try {
      thread->startFunc([this] { serve(); });
      threads_.push_back(std::move(thread));
    } catch (const Poco::Exception& e) {
      // Out of threads: the queued connection waits for a busy worker instead.
      log::warn("gateway", "cannot start another worker thread", {{"reason", e.displayText()}, {"workers", std::to_string(threads_.size())}});
    }
  }
  return true;
}

void WorkerPool::serve() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (queue_.empty()) {
      if (stopping_) return;
      ++waiting_;
      // A worker that stays idle gives its stack pages back; one between two requests keeps
      // them, or every request would fault its stack in again.
      if (!ready_.wait_for(lock, kIdleBeforeRelease, [this] { return !queue_.empty() || stopping_; })) {
        lock.unlock();
        releaseStackBelowCaller();
        lock.lock();
        ready_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      }
      --waiting_;
      continue;
    }
    std::unique_ptr<ClientConnection> connection = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      work_(std::move(connection));
    } catch (const std::exception& e) {
      log::error("gateway", "a worker failed serving a connection", {{"reason", e.what()}});
    }
    lock.lock();
  }
}

void WorkerPool::stop() {
  std::vector<std::unique_ptr<Poco::Thread>> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (auto& thread : threads) thread->join();
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.clear();
}

}  // namespace moat::gateway
