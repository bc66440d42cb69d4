// The host's handle on one runtime plugin instance: typed calls over moat_runtime_hooks.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include "plugin/PluginRegistry.h"

namespace moat::core {

class RuntimeClient {
 public:
  // Throws PluginError when the plugin is not a runtime or refuses its configuration.
  RuntimeClient(const LoadedPlugin& plugin, const std::string& configJson = "{}");
  ~RuntimeClient();
  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  // Each throws std::runtime_error carrying the plugin's message.
  std::string start(const std::string& specJson);  // returns the workload id
  std::pair<int, int> attachStdio(const std::string& id);  // {stdin to write, stdout to read}
  void stop(const std::string& id, uint32_t timeoutMs);
  void remove(const std::string& id);
  const std::string& pluginName() const { return plugin_.name; }

 private:
  const LoadedPlugin& plugin_;
  const moat_runtime_hooks* hooks_;
  void* instance_ = nullptr;
};

}  // namespace moat::core
