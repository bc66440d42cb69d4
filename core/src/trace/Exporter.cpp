#include "trace/Exporter.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "log/Log.h"
#include "metrics/Registry.h"
#include "net/HttpFetch.h"
#include "trace/Otlp.h"

namespace moat::trace {
namespace {

struct State {
  std::mutex mutex;
  std::condition_variable wake;
  Settings settings;
  bool running = false;
  bool stopping = false;
  std::deque<Span> queue;
  std::thread worker;
  Resource resource;
};

State& state() {
  static State s;
  return s;
}

// Sends one batch; a failure is logged once per run of failures and the batch dropped.
void exportBatch(const std::vector<Span>& batch, bool& failing) {
  const Settings& s = state().settings;
  net::FetchRequest request;
  request.method = "POST";
  request.url = s.endpoint;
  request.timeoutMs = s.timeoutMs;
  request.headers = s.headers;
  if (s.protocol == Protocol::HttpJson) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = otlpJson(batch, state().resource);
  } else {
    request.headers.emplace_back("Content-Type", "application/x-protobuf");
    request.body = otlpProtobuf(batch, state().resource);
  }
  std::string problem;
  try {
    net::FetchResponse response = net::fetch(request);
    if (response.status >= 200 && response.status < 300) {
      metrics::count("moat_trace_spans_exported_total", {}, static_cast<int64_t>(batch.size()));
      if (failing) log::info("trace", "the collector takes spans again", {{"endpoint", s.endpoint}});
      failing = false;
      return;
    }
    problem = "the collector answered HTTP " + std::to_string(response.status);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  metrics::count("moat_trace_spans_dropped_total", {{"reason", "export_failed"}}, static_cast<int64_t>(batch.size()));
  if (!failing) log::warn("trace", "spans could not be exported; they are dropped and counted until the collector takes them",
                          {{"endpoint", s.endpoint}, {"reason", problem}});
  failing = true;
}

void run() {
  State& s = state();
  bool failing = false;
  std::unique_lock lock(s.mutex);
  for (;;) {
    s.wake.wait_for(lock, std::chrono::milliseconds(s.settings.exportIntervalMs),
                    [&] { return s.stopping || s.queue.size() >= s.settings.batchSize; });
    // Stopping, one more batch is sent and the rest dropped: a dead collector must not hold
    // the shutdown for a timeout per batch.
    const bool last = s.stopping;
    while (!s.queue.empty()) {
      std::vector<Span> batch;
      while (!s.queue.empty() && batch.size() < s.settings.batchSize) {
        batch.push_back(std::move(s.queue.front()));
        s.queue.pop_front();
      }
      lock.unlock();
      exportBatch(batch, failing);
      lock.lock();
      if (last) break;
    }
    if (last) {
      if (!s.queue.empty())
        metrics::count("moat_trace_spans_dropped_total", {{"reason", "shutdown"}}, static_cast<int64_t>(s.queue.size()));
      return;
    }
  }
}

}  // namespace

void Exporter::start(const Settings& settings) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.running || settings.endpoint.empty()) return;
  s.settings = settings;
  s.stopping = false;
  char host[256] = "";
  ::gethostname(host, sizeof host - 1);
  s.resource = {settings.serviceName, settings.serviceVersion, std::string(host) + ":" + std::to_string(::getpid())};
  s.running = true;
  s.worker = std::thread(run);
  metrics::describe("moat_trace_spans_exported_total", "Spans the collector accepted.");
  metrics::describe("moat_trace_spans_dropped_total", "Spans dropped: the queue was full, or the collector could not take them.");
}

void Exporter::stop() {
  State& s = state();
  {
    std::lock_guard lock(s.mutex);
    if (!s.running) return;
    s.stopping = true;
  }
  s.wake.notify_all();
  s.worker.join();
  std::lock_guard lock(s.mutex);
  s.running = false;
  s.queue.clear();
}

bool Exporter::enabled() { return state().running; }

const Settings& Exporter::settings() { return state().settings; }

bool Exporter::sampleNew() {
  const double ratio = state().settings.sampleRatio;
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  thread_local std::mt19937_64 bits{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(bits) < ratio;
}

void Exporter::submit(std::vector<Span>&& spans) {
  State& s = state();
  size_t dropped = 0;
  bool full = false;
  {
    std::lock_guard lock(s.mutex);
    if (!s.running) return;
    for (auto& span : spans) {
      if (s.queue.size() >= s.settings.queueSize) {
        ++dropped;
        continue;
      }
      s.queue.push_back(std::move(span));
    }
    full = s.queue.size() >= s.settings.batchSize;
  }
  if (dropped) metrics::count("moat_trace_spans_dropped_total", {{"reason", "queue_full"}}, static_cast<int64_t>(dropped));
  if (full) s.wake.notify_one();
}

}  // namespace moat::trace
