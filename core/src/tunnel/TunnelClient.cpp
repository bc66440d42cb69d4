#include "tunnel/TunnelClient.h"

#include <stdexcept>

namespace moat::core {

TunnelClient::TunnelClient(const LoadedPlugin& plugin, const std::string& configJson)
    : instance_(requireKind(plugin, MOAT_KIND_TUNNEL, "tunnel provider"), "tunnel provider", "tunnel/" + plugin.name, configJson),
      hooks_(plugin.descriptor->tunnel) {}

std::string TunnelClient::open(const std::string& localUrl) {
  std::lock_guard<std::mutex> serialised(mutex_);
  TextSink publicUrl, error;
  if (!hooks_->open(instance_.get(), abiView(localUrl), &publicUrl.sink, &error.sink))
    throw std::runtime_error(instance_.plugin().name + " could not open the tunnel: " + (error.value.empty() ? "(no message)" : error.value));
  return publicUrl.value;
}

std::string TunnelClient::status() {
  auto status = abiField(*hooks_, &moat_tunnel_hooks::status);
  if (!status) return "{}";
  std::lock_guard<std::mutex> serialised(mutex_);
  TextSink state, error;
  if (!status(instance_.get(), &state.sink, &error.sink)) return "{}";
  return state.value;
}

void TunnelClient::close() {
  std::lock_guard<std::mutex> serialised(mutex_);
  TextSink error;
  if (!hooks_->close(instance_.get(), &error.sink))
    throw std::runtime_error(instance_.plugin().name + " could not close the tunnel: " + error.value);
}

}  // namespace moat::core
