#include "tunnel/TunnelClient.h"

#include <stdexcept>

namespace moat::core {

TunnelClient::TunnelClient(const LoadedPlugin& plugin, const std::string& configJson)
    : instance_(plugin, MOAT_KIND_TUNNEL, "tunnel provider", configJson), hooks_(plugin.descriptor->tunnel) {}

std::string TunnelClient::open(const std::string& localUrl) {
  TextSink publicUrl, error;
  if (!hooks_->open(instance_.get(), abiView(localUrl), &publicUrl.sink, &error.sink))
    throw std::runtime_error(instance_.plugin().name + " could not open the tunnel: " + (error.value.empty() ? "(no message)" : error.value));
  return publicUrl.value;
}

std::string TunnelClient::status() {
  if (!hooks_->status) return "{}";
  TextSink state, error;
  if (!hooks_->status(instance_.get(), &state.sink, &error.sink)) return "{}";
  return state.value;
}

void TunnelClient::close() {
  TextSink error;
  if (!hooks_->close(instance_.get(), &error.sink))
    throw std::runtime_error(instance_.plugin().name + " could not close the tunnel: " + error.value);
}

}  // namespace moat::core
