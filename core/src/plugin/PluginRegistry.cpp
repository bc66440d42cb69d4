#include "plugin/PluginRegistry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "log/Log.h"

namespace moat::core {
namespace {

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string executableDirectory() {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return ".";
  std::string path(buffer, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}


// What a descriptor must provide for its kind; empty when complete. Every field read here for
// the 1.0 kinds was in ABI 1.0, so a struct too short for it is malformed whatever the plugin's
// minor; the session store kind came with its field in 1.7.
std::string missingHook(const moat_plugin_descriptor& d) {
  if (!d.instance_create) return "instance_create";
  if (!d.instance_destroy) return "instance_destroy";
  switch (d.kind) {
    case MOAT_KIND_AUTHENTICATOR:
    case MOAT_KIND_AUTHORIZER:
    case MOAT_KIND_EXCHANGER:
    case MOAT_KIND_STAGE:
      if (!d.filter) return "filter";
      if (!abiCarries(*d.filter, &moat_filter_hooks::on_request)) return "filter (struct_size too small)";
      if (!d.filter->on_request) return "filter.on_request";
      return "";
    case MOAT_KIND_RUNTIME:
      if (!d.runtime) return "runtime";
      if (!abiCarries(*d.runtime, &moat_runtime_hooks::remove)) return "runtime (struct_size too small)";
      if (!d.runtime->start) return "runtime.start";
      if (!d.runtime->stop) return "runtime.stop";
      if (!d.runtime->inspect) return "runtime.inspect";
      if (!d.runtime->remove) return "runtime.remove";
      return "";
    case MOAT_KIND_TUNNEL:
      if (!d.tunnel) return "tunnel";
      if (!abiCarries(*d.tunnel, &moat_tunnel_hooks::close)) return "tunnel (struct_size too small)";
      if (!d.tunnel->open) return "tunnel.open";
      if (!d.tunnel->close) return "tunnel.close";
      return "";
    case MOAT_KIND_SESSION_STORE:
      // The kind is new in 1.7, so its descriptor must carry the 1.7 field.
      if (!abiCarries(d, &moat_plugin_descriptor::session_store) || !d.session_store) return "session_store";
      if (!abiCarries(*d.session_store, &moat_session_store_hooks::remove)) return "session_store (struct_size too small)";
      if (!d.session_store->put) return "session_store.put";
      if (!d.session_store->get) return "session_store.get";
      if (!d.session_store->touch) return "session_store.touch";
      if (!d.session_store->remove) return "session_store.remove";
      return "";
  }
  return "a known kind";
}

// Empty when this host can load a plugin built for `version`, else why not.
std::string versionMismatch(uint32_t version, const char* what) {
  uint32_t major = version >> 16, minor = version & 0xFFFF;
  std::string both = std::string(what) + " Moat plugin ABI " + abiVersionText(version) + ", but this host speaks ABI " +
                     abiVersionText(MOAT_ABI_VERSION);
  if (major != MOAT_ABI_VERSION_MAJOR) return both + "; rebuild it against this SDK";
  if (minor > MOAT_ABI_VERSION_MINOR) return both + ", which is older; upgrade Moat or build the plugin against SDK " + abiVersionText(MOAT_ABI_VERSION);
  return "";
}

}  // namespace

const char* kindName(moat_plugin_kind kind) {
  switch (kind) {
    case MOAT_KIND_AUTHENTICATOR: return "authenticator";
    case MOAT_KIND_AUTHORIZER: return "authorizer";
    case MOAT_KIND_EXCHANGER: return "exchanger";
    case MOAT_KIND_STAGE: return "stage";
    case MOAT_KIND_RUNTIME: return "runtime";
    case MOAT_KIND_TUNNEL: return "tunnel";
    case MOAT_KIND_SESSION_STORE: return "session store";
  }
  return "unknown";
}

std::string abiVersionText(uint32_t version) { return std::to_string(version >> 16) + "." + std::to_string(version & 0xFFFF); }

std::string pluginFileName(const std::string& name) { return "libmoat-" + name + ".so"; }

PluginRegistry::PluginRegistry(std::vector<std::string> searchPath) : searchPath_(std::move(searchPath)) {}

PluginRegistry::~PluginRegistry() {
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) {
    if ((*it)->descriptor && (*it)->descriptor->plugin_shutdown) (*it)->descriptor->plugin_shutdown();
    if ((*it)->handle) ::dlclose((*it)->handle);
  }
}

const LoadedPlugin& PluginRegistry::loadFile(const std::string& path) {
  for (const auto& p : plugins_)
    if (p->file == path) return *p;
  if (!fileExists(path)) throw PluginError("plugin file " + path + ": not found");

  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw PluginError("plugin file " + path + ": cannot be loaded: " + ::dlerror());
  auto fail = [&](const std::string& message) -> PluginError {
    ::dlclose(handle);
    return PluginError("plugin file " + path + ": " + message);
  };

  auto versionFn = reinterpret_cast<moat_plugin_abi_version_fn>(::dlsym(handle, "moat_plugin_abi_version"));
  auto initFn = reinterpret_cast<moat_plugin_init_fn>(::dlsym(handle, "moat_plugin_init"));
  if (!versionFn || !initFn)
    throw fail("not a Moat plugin: it does not export moat_plugin_abi_version and moat_plugin_init");
  uint32_t pluginAbi = versionFn();
  if (std::string why = versionMismatch(pluginAbi, "built for"); !why.empty()) throw fail(why);

  auto loaded = std::make_unique<LoadedPlugin>();
  loaded->file = path;
  loaded->handle = handle;
  loaded->context = std::make_unique<moat_host_context>();
  loaded->context->file = path;
  loaded->context->pluginName = path.substr(path.rfind('/') + 1);

  std::string initError;
  moat_sink errorSink{&initError, [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->append(d, n); }};
  const moat_plugin_descriptor* descriptor = nullptr;
  int ok = 0;
  try {
    ok = initFn(hostApi(), loaded->context.get(), &descriptor, &errorSink);
  } catch (...) {
    throw fail("initialization threw an exception across the ABI boundary");
  }
  if (!ok) throw fail("initialization failed: " + (initError.empty() ? std::string("(no message)") : initError));
  if (!descriptor || !abiCarries(*descriptor, &moat_plugin_descriptor::tunnel))
    throw fail("initialization returned no usable descriptor");
  if (std::string why = versionMismatch(descriptor->abi_version, "its descriptor declares"); !why.empty()) throw fail(why);

  std::string name(descriptor->name.ptr ? descriptor->name.ptr : "", descriptor->name.len);
  if (name.empty()) throw fail("descriptor has an empty name");
  std::string missing = missingHook(*descriptor);
  if (!missing.empty())
    throw fail("plugin '" + name + "' (" + kindName(descriptor->kind) + ") lacks required hook " + missing);
  auto existing = byName_.find(name);
  if (existing != byName_.end())
    throw fail("duplicate plugin name '" + name + "': already provided by " + existing->second->file);

  loaded->descriptor = descriptor;
  loaded->name = name;
  loaded->version.assign(descriptor->version.ptr ? descriptor->version.ptr : "", descriptor->version.len);
  loaded->description.assign(descriptor->description.ptr ? descriptor->description.ptr : "", descriptor->description.len);
  loaded->context->pluginName = name;
  LoadedPlugin* raw = loaded.get();
  plugins_.push_back(std::move(loaded));
  byName_[name] = raw;
  log::debug("plugins", "loaded plugin", {{"plugin", name}, {"file", path}, {"abi", abiVersionText(pluginAbi)}});
  return *raw;
}

const LoadedPlugin& PluginRegistry::byName(const std::string& name) {
  auto it = byName_.find(name);
  if (it != byName_.end()) return *it->second;
  std::string file = pluginFileName(name);
  for (const auto& dir : searchPath_) {
    std::string candidate = dir + "/" + file;
    if (!fileExists(candidate)) continue;
    const LoadedPlugin& plugin = loadFile(candidate);
    if (plugin.name != name)
      throw PluginError("plugin file " + candidate + ": declares the name '" + plugin.name + "', not '" + name + "'");
    return plugin;
  }
  std::string dirs;
  for (const auto& d : searchPath_) dirs += (dirs.empty() ? "" : ":") + d;
  throw PluginError("plugin '" + name + "': no file " + file + " in the plugin search path (" + (dirs.empty() ? "empty" : dirs) +
                    "); set plugins.search_path or MOAT_PLUGIN_PATH");
}

std::vector<PluginRegistry::ScanEntry> PluginRegistry::scan() {
  std::vector<ScanEntry> entries;
  for (const auto& dir : searchPath_) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind("libmoat-", 0) == 0 && n.size() > 3 && n.compare(n.size() - 3, 3, ".so") == 0) names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      ScanEntry entry;
      entry.file = dir + "/" + n;
      try {
        entry.plugin = &loadFile(entry.file);
      } catch (const PluginError& e) {
        entry.error = e.what();
      }
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

std::vector<std::string> defaultSearchPath(const std::vector<std::string>& configured) {
  std::vector<std::string> path = configured;
  if (const char* env = std::getenv("MOAT_PLUGIN_PATH")) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) path.push_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  std::string exeDir = executableDirectory();
  path.push_back(exeDir + "/plugins");
  path.push_back(exeDir + "/../lib/moat/plugins");
  return path;
}

}  // namespace moat::core
