#include "ContainerRuntime.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <stdexcept>

#include "ContainerSpec.h"
#include "NpxImage.h"
#include "StreamDemux.h"
#include "moat/json.hpp"

namespace moat::container {
namespace {

constexpr const char* kManagedLabel = "moat.managed";
constexpr const char* kWorkloadLabel = "moat.workload";
constexpr const char* kGatewayPidLabel = "moat.gateway-pid";

EngineSocket socketFor(Engine engine, const Host& host, const json::Value& config) {
  std::string configured = config.isObject() ? config.stringOr("socket", "") : "";
  return chooseEngineSocket(engine, configured, [&](std::string_view name) { return host.env(name); },
                            [](const std::string& path) {
                              struct stat st {};
                              return ::stat(path.c_str(), &st) == 0;
                            });
}

uint64_t currentHardLimit(int resource, uint64_t cap) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0 || limit.rlim_max == RLIM_INFINITY) return cap;
  return std::min<uint64_t>(limit.rlim_max, cap);
}

std::string containerPath(std::string_view id, const std::string& rest = {}) { return "/containers/" + queryValue(std::string(id)) + rest; }

}  // namespace

ContainerRuntime::ContainerRuntime(Engine engine, const Host& host, const json::Value& config)
    : host_(host), engine_(engine, socketFor(engine, host, config)) {
  if (config.isObject()) {
    for (const auto& [key, value] : config.members())
      if (key != "socket" && key != "npx_node") throw std::runtime_error(key + ": unknown runtime setting (socket, npx_node)");
    npxNode_ = config.stringOr("npx_node", "");
  }
  if (npxNode_.empty()) npxNode_ = host.env("MOAT_NPX_NODE").value_or("node");
  engine_.ping();
  removeOrphans();
}

ContainerRuntime::~ContainerRuntime() {
  std::map<std::string, std::unique_ptr<AttachedStdio>> attached;
  {
    std::lock_guard lock(mutex_);
    attached.swap(attached_);
  }
  for (auto& [id, stdio] : attached) {
    try {
      engine_.call("DELETE", containerPath(id, "?force=1&v=1"), {}, 15'000);
    } catch (const std::exception& e) {
      host_.warn("could not remove container " + id + ": " + e.what());
    }
  }
}

// Containers of a gateway that died without removing them (SIGKILL, a crash) are removed, so a
// restarted gateway starts clean and none of them keeps running unobserved.
void ContainerRuntime::removeOrphans() {
  auto listed = engine_.call("GET", "/containers/json?all=1&filters=" + queryValue("{\"label\":[\"moat.managed=true\"]}"));
  if (listed.status != 200) return;
  int removed = 0;
  json::Value containers = json::parse(listed.body);
  for (const auto& container : containers.items()) {
    const json::Value* labels = container.find("Labels");
    if (!labels || !labels->isObject()) continue;
    std::string pidText = labels->stringOr(kGatewayPidLabel, "");
    if (pidText.empty()) continue;
    pid_t pid = static_cast<pid_t>(std::atol(pidText.c_str()));
    if (pid <= 0 || (::kill(pid, 0) == 0 || errno == EPERM)) continue;
    std::string id = container.stringOr("Id", "");
    if (engine_.call("DELETE", containerPath(id, "?force=1&v=1"), {}, 15'000).status / 100 == 2) ++removed;
  }
  if (removed) host_.info("removed " + std::to_string(removed) + " container(s) left by a gateway that is gone");
}

std::string ContainerRuntime::prepareImage(ContainerSpec& spec) {
  std::lock_guard lock(imageMutex_);
  constexpr std::string_view kNpx = "npx://";
  if (spec.image.rfind(kNpx, 0) == 0) {
    BuiltImage built = ensureNpxImage(engine_, host_, parseNpxPackage(spec.image.substr(kNpx.size())), npxNode_);
    spec.image = built.reference;
    if (spec.entrypoint.empty()) {
      spec.entrypoint = built.entrypoint;
    }
  }
  auto inspected = engine_.call("GET", "/images/" + spec.image + "/json");
  if (inspected.status == 404) {
    host_.info("pulling " + spec.image);
    std::string image = spec.image, tag;
    size_t colon = image.rfind(':');
    if (colon != std::string::npos && image.find('/', colon) == std::string::npos) {
      tag = image.substr(colon + 1);
      image.resize(colon);
    }
    std::string progress, errorBody;
    int status = engine_.stream("POST", "/images/create?fromImage=" + queryValue(image) + (tag.empty() ? "" : "&tag=" + queryValue(tag)),
                                [&](const char* data, size_t size) { progress.append(data, size); }, errorBody);
    std::string failure;
    if (status != 200) failure = engineError({status, errorBody});
    else if (auto at = progress.find("\"error\":\""); at != std::string::npos) failure = progress.substr(at + 9, progress.find('"', at + 9) - at - 9);
    if (!failure.empty())
      throw std::runtime_error("image " + spec.image + " is not in " + engineName(engine_.engine()) + " and pulling it failed: " + failure +
                               " (build or load it locally, or use npx://PACKAGE)");
    inspected = engine_.call("GET", "/images/" + spec.image + "/json");
  }
  if (inspected.status != 200) throw std::runtime_error("image " + spec.image + ": " + engineError(inspected));
  json::Value image = json::parse(inspected.body);
  const json::Value* config = image.find("Config");
  return config && config->isObject() ? config->stringOr("User", "") : "";
}

std::string ContainerRuntime::start(std::string_view specJson) {
  ContainerSpec spec = parseContainerSpec(specJson);
  CreateOptions options;
  options.imageUser = prepareImage(spec);
  options.labels = {{kManagedLabel, "true"}, {kWorkloadLabel, spec.name}, {kGatewayPidLabel, std::to_string(::getpid())}};
  // Modest limits the engine can always grant: Podman's service caps its own (nproc 32768), and a
  // limit above the engine's fails the start. The pids limit is what bounds the container.
  options.openFiles = currentHardLimit(RLIMIT_NOFILE, 4096);
  options.processes = currentHardLimit(RLIMIT_NPROC, 4096);
  std::string name;
  {
    std::lock_guard lock(mutex_);
    name = "moat-" + spec.name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_);
  }
  auto created = engine_.call("POST", "/containers/create?name=" + queryValue(name), createContainerBody(spec, options));
  if (created.status != 201) throw std::runtime_error("creating a container from " + spec.image + " failed: " + engineError(created));
  auto discard = [&] {
    try {
      engine_.call("DELETE", containerPath(name, "?force=1&v=1"), {}, 15'000);
    } catch (const std::exception&) {
    }
  };
  std::unique_ptr<AttachedStdio> stdio;
  try {
    if (spec.stdio) {
      // Attached before it starts, so nothing the server writes first is lost.
      std::string leftover;
      int connection = engine_.hijack(containerPath(name, "/attach?stream=1&stdin=1&stdout=1&stderr=1"), leftover);
      stdio = std::make_unique<AttachedStdio>(host_, spec.name, connection, std::move(leftover));
    }
    auto started = engine_.call("POST", containerPath(name, "/start"));
    if (started.status != 204 && started.status != 304)
      throw std::runtime_error("starting the container " + name + " (" + spec.image + ") failed: " + engineError(started));
  } catch (...) {
    stdio.reset();
    discard();
    throw;
  }
  {
    std::lock_guard lock(mutex_);
    if (stdio) attached_[name] = std::move(stdio);
  }
  host_.info("started container " + name + " from " + spec.image + " (" + engineName(engine_.engine()) + ", network " +
             (spec.isolation.network ? "bridge" : "none") + ")");
  return "{\"id\":" + json::quote(name) + ",\"state\":\"running\",\"image\":" + json::quote(spec.image) + "}";
}

void ContainerRuntime::stop(std::string_view id, uint32_t timeoutMs) {
  uint32_t seconds = (timeoutMs + 999) / 1000;
  auto stopped = engine_.call("POST", containerPath(id, "/stop?t=" + std::to_string(seconds)), {}, static_cast<int>(seconds) * 1000 + 30'000);
  if (stopped.status != 204 && stopped.status != 304 && stopped.status != 404)
    throw std::runtime_error("stopping " + std::string(id) + " failed: " + engineError(stopped));
}

std::string ContainerRuntime::inspect(std::string_view id) {
  auto inspected = engine_.call("GET", containerPath(id, "/json"));
  if (inspected.status == 404) return "{\"id\":" + json::quote(std::string(id)) + ",\"state\":\"unknown\"}";
  if (inspected.status != 200) throw std::runtime_error("inspecting " + std::string(id) + " failed: " + engineError(inspected));
  json::Value container = json::parse(inspected.body);
  const json::Value* state = container.find("State");
  std::string status = state ? state->stringOr("Status", "unknown") : "unknown";
  if (status == "created" || status == "paused") status = "running";
  else if (status == "dead" || status == "removing" || status == "stopped") status = "exited";
  std::string out = "{\"id\":" + json::quote(std::string(id)) + ",\"state\":" + json::quote(status);
  if (state) {
    if (const auto* code = state->find("ExitCode")) out += ",\"exit_code\":" + std::to_string(static_cast<int>(code->asNumber()));
    if (const auto* oom = state->find("OOMKilled"); oom && oom->type() == json::Value::Type::Bool) out += std::string(",\"oom_killed\":") + (oom->asBool() ? "true" : "false");
  }
  return out + "}";
}

void ContainerRuntime::remove(std::string_view id) {
  std::unique_ptr<AttachedStdio> stdio;
  {
    std::lock_guard lock(mutex_);
    if (auto it = attached_.find(std::string(id)); it != attached_.end()) {
      stdio = std::move(it->second);
      attached_.erase(it);
    }
  }
  auto removed = engine_.call("DELETE", containerPath(id, "?force=1&v=1"), {}, 30'000);
  stdio.reset();  // after the container is gone, so its pumps see the connection end
  if (removed.status != 204 && removed.status != 404) throw std::runtime_error("removing " + std::string(id) + " failed: " + engineError(removed));
}

std::string ContainerRuntime::list() {
  auto listed = engine_.call("GET", "/containers/json?all=1&filters=" + queryValue("{\"label\":[\"moat.managed=true\"]}"));
  if (listed.status != 200) throw std::runtime_error("listing containers failed: " + engineError(listed));
  std::string out = "[";
  json::Value containers = json::parse(listed.body);
  for (const auto& container : containers.items()) {
    std::string name;
    if (const auto* names = container.find("Names"); names && names->isArray() && !names->items().empty()) name = names->items()[0].asString();
    if (!name.empty() && name[0] == '/') name.erase(0, 1);
    const json::Value* labels = container.find("Labels");
    out += (out.size() > 1 ? "," : "") + std::string("{\"id\":") + json::quote(name) + ",\"workload\":" +
           json::quote(labels && labels->isObject() ? labels->stringOr(kWorkloadLabel, "") : "") + ",\"state\":" +
           json::quote(container.stringOr("State", "unknown")) + ",\"image\":" + json::quote(container.stringOr("Image", "")) + "}";
  }
  return out + "]";
}

void ContainerRuntime::logs(std::string_view id, bool follow, moat_sink* out) {
  std::string errorBody;
  StreamDemux demux([&](StreamKind, const char* data, size_t size) { out->write(out->ctx, data, size); });
  int status = engine_.stream("GET", containerPath(id, std::string("/logs?stdout=1&stderr=1&follow=") + (follow ? "1" : "0")),
                              [&](const char* data, size_t size) { demux.feed(data, size); }, errorBody);
  if (status != 200) throw std::runtime_error("logs of " + std::string(id) + ": " + engineError({status, errorBody}));
}

std::pair<int, int> ContainerRuntime::attachStdio(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = attached_.find(std::string(id));
  if (it == attached_.end()) throw std::runtime_error(std::string(id) + " was not started as a stdio server");
  return it->second->takeHostEnds();
}

}  // namespace moat::container
