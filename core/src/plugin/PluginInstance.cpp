#include "plugin/PluginInstance.h"

namespace moat::core {

PluginInstance::PluginInstance(const LoadedPlugin& plugin, moat_plugin_kind kind, const std::string& role,
                               const std::string& configJson)
    : plugin_(plugin) {
  if (plugin.descriptor->kind != kind)
    throw PluginError("plugin '" + plugin.name + "' is a " + kindName(plugin.descriptor->kind) + " plugin, not a " + role);
  TextSink error;
  instance_ = plugin.descriptor->instance_create(plugin.context.get(), abiView(configJson), &error.sink);
  if (!instance_) throw PluginError(role + " '" + plugin.name + "' rejected its configuration: " + error.value);
}

PluginInstance::~PluginInstance() { plugin_.descriptor->instance_destroy(instance_); }

}  // namespace moat::core
