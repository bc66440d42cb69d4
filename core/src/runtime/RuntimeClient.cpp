#include "runtime/RuntimeClient.h"

#include "moat/json.hpp"
#include "trace/RequestTrace.h"

namespace moat::core {
namespace {

void check(int ok, const TextSink& error, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + (error.value.empty() ? "(no message)" : error.value));
}

}  // namespace

RuntimeClient::RuntimeClient(const LoadedPlugin& plugin, const std::string& configJson)
    : instance_(requireKind(plugin, MOAT_KIND_RUNTIME, "runtime"), "runtime", "runtime/" + plugin.name, configJson),
      hooks_(plugin.descriptor->runtime) {}

std::string RuntimeClient::start(const std::string& specJson) {
  // A server started for a request (a session's process, a container) shows in its trace.
  trace::ChildSpan span("runtime start " + pluginName(), trace::SpanKind::Internal);
  span.set("moat.runtime", pluginName());
  TextSink state, error;
  try {
    check(hooks_->start(instance_.get(), abiView(specJson), &state.sink, &error.sink), error, "start failed");
  } catch (const std::exception& e) {
    span.fail(e.what());
    throw;
  }
  std::string id = json::parse(state.value).stringOr("id", "");
  if (id.empty()) throw std::runtime_error("runtime " + pluginName() + " returned no workload id");
  return id;
}

std::pair<int, int> RuntimeClient::attachStdio(const std::string& id) {
  auto attach = abiField(*hooks_, &moat_runtime_hooks::attach_stdio);
  if (!attach) throw std::runtime_error("runtime " + pluginName() + " cannot attach to stdio");
  TextSink error;
  int in = -1, out = -1;
  check(attach(instance_.get(), abiView(id), &in, &out, &error.sink), error, "attach failed");
  return {in, out};
}

void RuntimeClient::stop(const std::string& id, uint32_t timeoutMs) {
  TextSink error;
  check(hooks_->stop(instance_.get(), abiView(id), timeoutMs, &error.sink), error, "stop failed");
}

std::string RuntimeClient::inspect(const std::string& id) {
  TextSink state, error;
  check(hooks_->inspect(instance_.get(), abiView(id), &state.sink, &error.sink), error, "inspect failed");
  return state.value;
}

void RuntimeClient::remove(const std::string& id) {
  TextSink error;
  check(hooks_->remove(instance_.get(), abiView(id), &error.sink), error, "remove failed");
}

}  // namespace moat::core
