// The host's handle on one runtime plugin instance: typed calls over moat_runtime_hooks.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include "plugin/PluginInstance.h"

namespace moat::core {

class RuntimeClient {
 public:
  // Throws PluginError when the plugin is not a runtime or refuses its configuration.
  RuntimeClient(const LoadedPlugin& plugin, const std::string& configJson = "{}");

  // Each throws std::runtime_error carrying the plugin's message.
  std::string start(const std::string& specJson);  // returns the workload id
  std::pair<int, int> attachStdio(const std::string& id);  // {stdin to write, stdout to read}
  void stop(const std::string& id, uint32_t timeoutMs);
  std::string inspect(const std::string& id);  // {"id","state","address",...}
  void remove(const std::string& id);
  const std::string& pluginName() const { return instance_.plugin().name; }

 private:
  PluginInstance instance_;
  const moat_runtime_hooks* hooks_;
};

}  // namespace moat::core
