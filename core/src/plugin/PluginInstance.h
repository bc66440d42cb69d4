// One instance of a plugin (a pipeline stage, a runtime, a tunnel provider): created from its
// configuration with a host context of its own, or refused with the plugin's reason; destroyed
// with this object. And the sink through which a plugin call writes text back.
#pragma once

#include <memory>
#include <string>

#include "plugin/PluginRegistry.h"

namespace moat::core {

// Collects what a plugin writes to the moat_sink passed to it.
struct TextSink {
  std::string value;
  moat_sink sink{&value, [](void* c, const char* d, size_t n) { static_cast<std::string*>(c)->append(d, n); }};
};

inline moat_str abiView(const std::string& s) { return moat_str{s.data(), s.size()}; }

// `plugin` when it is of `kind`; else throws PluginError naming `role` ("runtime", "tunnel
// provider") and the kind it is.
const LoadedPlugin& requireKind(const LoadedPlugin& plugin, moat_plugin_kind kind, const std::string& role);

class PluginInstance {
 public:
  // Throws PluginError "<role> '<plugin>' rejected its configuration: <reason>". `name` is the
  // instance's name in log lines, counters and the plugin's own messages.
  PluginInstance(const LoadedPlugin& plugin, const std::string& role, std::string name, const std::string& configJson);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  void* get() const { return instance_; }
  const LoadedPlugin& plugin() const { return plugin_; }
  const std::string& name() const { return context_->instanceName; }

 private:
  const LoadedPlugin& plugin_;
  std::unique_ptr<moat_host_context> context_;
  void* instance_ = nullptr;
};

}  // namespace moat::core
