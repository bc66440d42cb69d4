#include "runtime/RuntimeClient.h"

#include "moat/json.hpp"

namespace moat::core {
namespace {

struct Text {
  std::string value;
  moat_sink sink{&value, [](void* c, const char* d, size_t n) { static_cast<std::string*>(c)->append(d, n); }};
};
moat_str view(const std::string& s) { return moat_str{s.data(), s.size()}; }

void check(int ok, const Text& error, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + (error.value.empty() ? "(no message)" : error.value));
}

}  // namespace

RuntimeClient::RuntimeClient(const LoadedPlugin& plugin, const std::string& configJson)
    : plugin_(plugin), hooks_(plugin.descriptor->runtime) {
  if (plugin.descriptor->kind != MOAT_KIND_RUNTIME || !hooks_)
    throw PluginError("plugin '" + plugin.name + "' is a " + kindName(plugin.descriptor->kind) + " plugin, not a runtime");
  Text error;
  instance_ = plugin.descriptor->instance_create(plugin.context.get(), view(configJson), &error.sink);
  if (!instance_) throw PluginError("plugin '" + plugin.name + "' rejected its configuration: " + error.value);
}

RuntimeClient::~RuntimeClient() { plugin_.descriptor->instance_destroy(instance_); }

std::string RuntimeClient::start(const std::string& specJson) {
  Text state, error;
  check(hooks_->start(instance_, view(specJson), &state.sink, &error.sink), error, "start failed");
  std::string id = json::parse(state.value).stringOr("id", "");
  if (id.empty()) throw std::runtime_error("runtime " + plugin_.name + " returned no workload id");
  return id;
}

std::pair<int, int> RuntimeClient::attachStdio(const std::string& id) {
  if (!hooks_->attach_stdio) throw std::runtime_error("runtime " + plugin_.name + " cannot attach to stdio");
  Text error;
  int in = -1, out = -1;
  check(hooks_->attach_stdio(instance_, view(id), &in, &out, &error.sink), error, "attach failed");
  return {in, out};
}

void RuntimeClient::stop(const std::string& id, uint32_t timeoutMs) {
  Text error;
  check(hooks_->stop(instance_, view(id), timeoutMs, &error.sink), error, "stop failed");
}

void RuntimeClient::remove(const std::string& id) {
  Text error;
  check(hooks_->remove(instance_, view(id), &error.sink), error, "remove failed");
}

}  // namespace moat::core
