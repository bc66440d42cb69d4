// The host's handle on one tunnel plugin instance: typed calls over moat_tunnel_hooks.
#pragma once

#include <string>

#include "plugin/PluginRegistry.h"

namespace moat::core {

class TunnelClient {
 public:
  // Throws PluginError when the plugin is not a tunnel or refuses its configuration.
  TunnelClient(const LoadedPlugin& plugin, const std::string& configJson);
  ~TunnelClient();
  TunnelClient(const TunnelClient&) = delete;
  TunnelClient& operator=(const TunnelClient&) = delete;

  // Publishes localUrl; returns the public URL. Throws std::runtime_error with the plugin's message.
  std::string open(const std::string& localUrl);
  // {"state":"up|reconnecting|down",...}, or "{}" when the plugin does not report one.
  std::string status();
  void close();

 private:
  const LoadedPlugin& plugin_;
  const moat_tunnel_hooks* hooks_;
  void* instance_ = nullptr;
};

}  // namespace moat::core
