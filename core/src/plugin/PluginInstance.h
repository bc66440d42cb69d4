// One instance of a runtime or tunnel plugin, held by the host's typed clients: created from its
// configuration (or refused, with the plugin's reason), destroyed with this object. And the sink
// through which a plugin call writes text back.
#pragma once

#include <string>

#include "plugin/PluginRegistry.h"

namespace moat::core {

// Collects what a plugin writes to the moat_sink passed to it.
struct TextSink {
  std::string value;
  moat_sink sink{&value, [](void* c, const char* d, size_t n) { static_cast<std::string*>(c)->append(d, n); }};
};

inline moat_str abiView(const std::string& s) { return moat_str{s.data(), s.size()}; }

class PluginInstance {
 public:
  // Throws PluginError when the plugin is not of `kind` or refuses the configuration. `role`
  // names the kind in messages ("runtime", "tunnel provider").
  PluginInstance(const LoadedPlugin& plugin, moat_plugin_kind kind, const std::string& role, const std::string& configJson);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  void* get() const { return instance_; }
  const LoadedPlugin& plugin() const { return plugin_; }

 private:
  const LoadedPlugin& plugin_;
  void* instance_ = nullptr;
};

}  // namespace moat::core
