#include "plugin/PluginInstance.h"

namespace moat::core {

const LoadedPlugin& requireKind(const LoadedPlugin& plugin, moat_plugin_kind kind, const std::string& role) {
  if (plugin.descriptor->kind != kind)
    throw PluginError("plugin '" + plugin.name + "' is a " + kindName(plugin.descriptor->kind) + " plugin, not a " + role);
  return plugin;
}

PluginInstance::PluginInstance(const LoadedPlugin& plugin, const std::string& role, std::string name, const std::string& configJson)
    : plugin_(plugin), context_(std::make_unique<moat_host_context>(*plugin.context)) {
  context_->instanceName = std::move(name);
  TextSink error;
  try {
    instance_ = plugin.descriptor->instance_create(context_.get(), abiView(configJson), &error.sink);
  } catch (...) {
    error.value = "threw an exception across the ABI boundary";
  }
  if (!instance_)
    throw PluginError(role + " '" + plugin.name + "' rejected its configuration: " + (error.value.empty() ? "(no message)" : error.value));
}

PluginInstance::~PluginInstance() { plugin_.descriptor->instance_destroy(instance_); }

}  // namespace moat::core
