// The host's handle on one session store plugin instance (ABI 1.7): typed calls over
// moat_session_store_hooks, each reporting an unreachable store as StoreUnavailable.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "plugin/PluginInstance.h"

namespace moat::core {

class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SessionStoreClient {
 public:
  // Throws PluginError when the plugin is not a session store or refuses its configuration.
  SessionStoreClient(const LoadedPlugin& plugin, const std::string& configJson);

  void put(const std::string& key, const std::string& value, std::chrono::milliseconds ttl);
  std::optional<std::string> get(const std::string& key);
  bool touch(const std::string& key, std::chrono::milliseconds ttl);
  void remove(const std::string& key);
  const std::string& pluginName() const { return instance_.plugin().name; }

 private:
  PluginInstance instance_;
  const moat_session_store_hooks* hooks_;
};

}  // namespace moat::core
