#include "tunnel/TunnelClient.h"

#include <stdexcept>

namespace moat::core {
namespace {

struct Text {
  std::string value;
  moat_sink sink{&value, [](void* c, const char* d, size_t n) { static_cast<std::string*>(c)->append(d, n); }};
};
moat_str view(const std::string& s) { return moat_str{s.data(), s.size()}; }

}  // namespace

TunnelClient::TunnelClient(const LoadedPlugin& plugin, const std::string& configJson)
    : plugin_(plugin), hooks_(plugin.descriptor->tunnel) {
  if (plugin.descriptor->kind != MOAT_KIND_TUNNEL || !hooks_)
    throw PluginError("plugin '" + plugin.name + "' is a " + kindName(plugin.descriptor->kind) + " plugin, not a tunnel provider");
  Text error;
  instance_ = plugin.descriptor->instance_create(plugin.context.get(), view(configJson), &error.sink);
  if (!instance_) throw PluginError("tunnel provider '" + plugin.name + "' rejected its arguments: " + error.value);
}

TunnelClient::~TunnelClient() { plugin_.descriptor->instance_destroy(instance_); }

std::string TunnelClient::open(const std::string& localUrl) {
  Text publicUrl, error;
  if (!hooks_->open(instance_, view(localUrl), &publicUrl.sink, &error.sink))
    throw std::runtime_error(plugin_.name + " could not open the tunnel: " + (error.value.empty() ? "(no message)" : error.value));
  return publicUrl.value;
}

std::string TunnelClient::status() {
  if (!hooks_->status) return "{}";
  Text state, error;
  if (!hooks_->status(instance_, &state.sink, &error.sink)) return "{}";
  return state.value;
}

void TunnelClient::close() {
  Text error;
  if (!hooks_->close(instance_, &error.sink))
    throw std::runtime_error(plugin_.name + " could not close the tunnel: " + error.value);
}

}  // namespace moat::core
