// The host's handle on one tunnel plugin instance: typed calls over moat_tunnel_hooks.
#pragma once

#include <mutex>
#include <string>

#include "plugin/PluginInstance.h"

namespace moat::core {

class TunnelClient {
 public:
  // Throws PluginError when the plugin is not a tunnel or refuses its arguments.
  TunnelClient(const LoadedPlugin& plugin, const std::string& configJson);

  // Publishes localUrl; returns the public URL. Throws std::runtime_error with the plugin's message.
  std::string open(const std::string& localUrl);
  // {"state":"up|reconnecting|down",...}, or "{}" when the plugin does not report one.
  std::string status();
  void close();

 private:
  PluginInstance instance_;
  const moat_tunnel_hooks* hooks_;
  std::mutex mutex_;  // the ABI promises tunnel hooks one at a time
};

}  // namespace moat::core
