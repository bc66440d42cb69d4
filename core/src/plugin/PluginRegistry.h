// Loads plugin shared libraries with our own small loader: dlopen(RTLD_NOW | RTLD_LOCAL), a
// search path, the ABI handshake, and a precise message for every way a file can be wrong.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "moat/abi.h"
#include "plugin/HostApi.h"

namespace moat::core {

class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedPlugin {
  std::string file;
  void* handle = nullptr;
  const moat_plugin_descriptor* descriptor = nullptr;
  std::unique_ptr<moat_host_context> context;
  std::string name;
  std::string version;
  std::string description;
};

const char* kindName(moat_plugin_kind kind);

// Whether a struct a plugin filled in carries `member`: the struct_size it was compiled with
// reaches past the member's end. A plugin built against an older minor lacks what came later.
template <class S, class T>
bool abiCarries(const S& s, T S::*member) {
  auto offset = reinterpret_cast<const char*>(&(s.*member)) - reinterpret_cast<const char*>(&s);
  return s.struct_size >= static_cast<size_t>(offset) + sizeof(T);
}
// The member, or a value-initialised one (a NULL optional hook) when the plugin's minor lacks it.
template <class S, class T>
T abiField(const S& s, T S::*member) {
  return abiCarries(s, member) ? s.*member : T{};
}
std::string abiVersionText(uint32_t version);

// File name a plugin called `name` is looked up as: libmoat-<name>.so
std::string pluginFileName(const std::string& name);

class PluginRegistry {
 public:
  explicit PluginRegistry(std::vector<std::string> searchPath);
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Loads one file. Throws PluginError naming the file and what is wrong with it.
  const LoadedPlugin& loadFile(const std::string& path);
  // A plugin already loaded under `name`, else libmoat-<name>.so from the search path.
  const LoadedPlugin& byName(const std::string& name);

  struct ScanEntry {
    std::string file;
    const LoadedPlugin* plugin = nullptr;  // null when loading failed
    std::string error;
  };
  // Every libmoat-*.so in the search path, loaded or with its error (for `moat plugins`).
  std::vector<ScanEntry> scan();

  const std::vector<std::string>& searchPath() const { return searchPath_; }

 private:
  std::vector<std::string> searchPath_;
  std::vector<std::unique_ptr<LoadedPlugin>> plugins_;
  std::map<std::string, LoadedPlugin*> byName_;
};

// The search path: configured directories, then $MOAT_PLUGIN_PATH (colon-separated), then the
// directories installed next to the moat binary.
std::vector<std::string> defaultSearchPath(const std::vector<std::string>& configured);

}  // namespace moat::core
