#include "upstream/ContainerHttpUpstream.h"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <chrono>

#include "moat/jsonrpc.hpp"
#include "upstream/LegacySseUpstream.h"
#include "upstream/StreamableHttpUpstream.h"
#include "log/Log.h"
#include "metrics/Catalogue.h"
#include "moat/json.hpp"
#include "runtime/WorkloadSpec.h"

namespace moat::gateway {
namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr auto kWatchInterval = std::chrono::milliseconds(1000);

bool portAnswers(const std::string& address, int port) {
  try {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(address, static_cast<Poco::UInt16>(port)), Poco::Timespan(0, 500'000));
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace

ContainerHttpUpstream::ContainerHttpUpstream(const config::ServerConfig& server, std::unique_ptr<core::RuntimeClient> runtime)
    : server_(server), runtime_(std::move(runtime)) {
  supervisor_ = std::thread([this] { supervise(); });
}

ContainerHttpUpstream::~ContainerHttpUpstream() { shutdown(); }

void ContainerHttpUpstream::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !supervisor_.joinable()) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  std::shared_ptr<Upstream> inner;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inner.swap(inner_);
    state_ = State::Stopped;
  }
  if (inner) inner->shutdown();
}

std::shared_ptr<Upstream> ContainerHttpUpstream::startContainer(std::string& workload) {
  workload = runtime_->start(core::workloadSpec(server_));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workload_ = workload;
  }
  const int port = server_.upstream.targetPort;
  std::string address;
  auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  for (;;) {
    json::Value state = json::parse(runtime_->inspect(workload));
    if (state.stringOr("state", "") != "running")
      throw std::runtime_error("the container exited before its port " + std::to_string(port) + " answered (" + state.stringOr("state", "") + ")");
    address = state.stringOr("address", "");
    if (address.empty()) throw std::runtime_error("the runtime gives the container no address the gateway can reach");
    if (portAnswers(address, port)) break;
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("nothing answered on port " + std::to_string(port) + " of the container within 60 s (check target_port)");
    std::unique_lock<std::mutex> lock(mutex_);
    if (changed_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; })) throw std::runtime_error("the gateway is shutting down");
  }
  config::UpstreamConfig http = server_.upstream;
  http.url = "http://" + address + ":" + std::to_string(port) + server_.upstream.targetPath;
  log::info("container", "the server's container is up", {{"server", server_.name}, {"workload", workload}, {"url", http.url}});
  if (http.transport == config::UpstreamTransport::Sse) return std::make_shared<LegacySseUpstream>(http);
  return std::make_shared<StreamableHttpUpstream>(http);
}

bool ContainerHttpUpstream::waitForExit(const std::string& workload) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (changed_.wait_for(lock, kWatchInterval, [&] { return stopping_; })) return false;
    }
    try {
      json::Value state = json::parse(runtime_->inspect(workload));
      std::string status = state.stringOr("state", "unknown");
      if (status == "running") continue;
      std::string why = "the container " + status;
      if (const auto* code = state.find("exit_code")) why += " with code " + std::to_string(static_cast<int>(code->asNumber()));
      if (const auto* oom = state.find("oom_killed"); oom && oom->type() == json::Value::Type::Bool && oom->asBool()) why += " (out of memory)";
      std::lock_guard<std::mutex> lock(mutex_);
      lastFailure_ = why;
      return true;
    } catch (const std::exception& e) {
      log::warn("container", "cannot inspect the server's container", {{"server", server_.name}, {"reason", e.what()}});
    }
  }
}

void ContainerHttpUpstream::discard(const std::string& workload) {
  if (workload.empty()) return;
  try {
    runtime_->stop(workload, 2000);
    runtime_->remove(workload);
  } catch (const std::exception& e) {
    log::warn("container", "removing the server's container failed", {{"server", server_.name}, {"workload", workload}, {"reason", e.what()}});
  }
}

void ContainerHttpUpstream::supervise() {
  RestartSchedule schedule = server_.upstream.restart.schedule();
  for (;;) {
    std::string workload;
    try {
      auto inner = startContainer(workload);
      std::lock_guard<std::mutex> lock(mutex_);
      inner_ = std::move(inner);
      state_ = State::Up;
    } catch (const std::exception& e) {
      discard(workload);
      std::unique_lock<std::mutex> lock(mutex_);
      if (stopping_) return;
      lastFailure_ = e.what();
      auto wait = schedule.failed(0);
      state_ = schedule.exhausted() ? State::Failed : State::Restarting;
      log::error("container", "the server's container could not be started", {{"server", server_.name}, {"reason", e.what()},
                 {"failures", std::to_string(schedule.failures())}, {"backoff_ms", std::to_string(wait.count())}});
      changed_.notify_all();  // requests waiting for it fail now with the reason
      if (changed_.wait_for(lock, wait, [&] { return stopping_; })) return;
      continue;
    }
    changed_.notify_all();
    const auto started = std::chrono::steady_clock::now();
    bool exited = waitForExit(workload);
    std::shared_ptr<Upstream> old;
    std::chrono::milliseconds wait{0};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      old.swap(inner_);
      if (exited) {
        wait = schedule.failed(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
        state_ = State::Restarting;
        ++restarts_;
        metrics::count(metrics::kRuntimeRestarts, {{"route", server_.name}});
        log::warn("container", "the server's container exited; starting a new one", {{"server", server_.name}, {"workload", workload},
                  {"reason", lastFailure_}, {"backoff_ms", std::to_string(wait.count())}});
      }
    }
    if (old) old->shutdown();
    discard(workload);
    if (!exited) return;
    std::unique_lock<std::mutex> lock(mutex_);
    if (changed_.wait_for(lock, wait, [&] { return stopping_; })) return;
  }
}

void ContainerHttpUpstream::forward(Exchange& exchange) {
  std::shared_ptr<Upstream> inner;
  std::string why;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(server_.upstream.timeoutMs),
                      [&] { return stopping_ || state_ == State::Up || state_ == State::Failed; });
    inner = inner_;
    why = lastFailure_;
    if (!inner) {
      if (stopping_) {
        exchange.sendError(503, jsonrpc::kShuttingDown, "the gateway is shutting down");
        return;
      }
      exchange.sendError(503, jsonrpc::kUpstreamUnreachable, "the server's container is not running" + (why.empty() ? std::string() : ": " + why));
      return;
    }
  }
  inner->forward(exchange);
}

std::string ContainerHttpUpstream::health() const {
  std::lock_guard<std::mutex> lock(mutex_);
  static const char* names[] = {"starting", "up", "restarting", "failed", "stopped"};
  std::string out = "{\"state\":\"" + std::string(names[static_cast<int>(state_)]) + "\",\"container\":" + json::quote(workload_) +
                    ",\"restarts\":" + std::to_string(restarts_);
  if (!lastFailure_.empty()) out += ",\"last_failure\":" + json::quote(lastFailure_);
  return out + "}";
}

}  // namespace moat::gateway
