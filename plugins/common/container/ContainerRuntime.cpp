#include "container/ContainerRuntime.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <stdexcept>

#include "container/ContainerSpec.h"
#include "container/NpxImage.h"
#include "container/StreamDemux.h"
#include "moat/json.hpp"
#include "crypto/PercentEncoding.h"

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

std::string containerPath(std::string_view id, const std::string& rest = {}) { return "/containers/" + crypto::formUrlEncode(std::string(id)) + rest; }

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
  std::map<std::string, Workload> workloads;
  {
    std::lock_guard lock(mutex_);
    workloads.swap(workloads_);
  }
  for (auto& [id, workload] : workloads) {
    try {
      engine_.call("DELETE", containerPath(id, "?force=1&v=1"), {}, 15'000);
    } catch (const std::exception& e) {
      host_.warn("could not remove container " + id + ": " + e.what());
    }
    release(id, workload);
  }
}

void ContainerRuntime::release(const std::string& name, Workload& workload) {
  workload.stdio.reset();  // after the container is gone, so its pumps see the connection end
  workload.egress.reset();
  workload.fence.reset();
  if (!workload.network.empty()) {
    try {
      auto removed = engine_.call("DELETE", "/networks/" + crypto::formUrlEncode(workload.network), {}, 15'000);
      if (removed.status != 204 && removed.status != 404) host_.warn("could not remove network " + workload.network + " of " + name + ": " + engineError(removed));
    } catch (const std::exception& e) {
      host_.warn("could not remove network " + workload.network + " of " + name + ": " + e.what());
    }
  }
}

namespace {

// Linux interface names are at most 15 characters: "moat" and 10 hex digits of the name.
std::string bridgeNameFor(const std::string& containerName) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : containerName) hash = (hash ^ c) * 1099511628211ull;
  static const char* hex = "0123456789abcdef";
  std::string out = "moat";
  for (int i = 0; i < 10; ++i) out += hex[(hash >> (i * 4)) & 15];
  return out;
}

}  // namespace

void ContainerRuntime::preparePrivateNetwork(const std::string& name, const ContainerSpec& spec, CreateOptions& options, Workload& workload) {
  if (engine_.engine() == Engine::Podman)
    throw std::runtime_error(
        "podman: " + std::string(spec.stdio ? "an egress allowlist" : "an HTTP server in a container") +
        " needs an internal network the host has an address on, and Podman's internal networks give the host none; use runtime-docker, or "
        "isolation.network: true (--isolate-allow-network) to put it on Podman's bridge");
  std::vector<EgressRule> rules;
  for (const auto& entry : spec.isolation.egress) {
    rules.push_back(parseEgressRule(entry));
    for (size_t i = 0; i + 1 < rules.size(); ++i)
      if (rules[i].port == rules.back().port)
        throw std::runtime_error("isolation.egress: " + rules[i].host + " and " + rules.back().host + " share port " + std::to_string(rules.back().port) +
                                 "; one host per port for now");
  }
  const std::string bridge = bridgeNameFor(name);
  std::string labels = "{";
  for (const auto& [key, value] : options.labels) labels += (labels.size() > 1 ? "," : "") + json::quote(key) + ":" + json::quote(value);
  labels += "}";
  std::string body = "{\"Name\":" + json::quote(name) + ",\"Internal\":true,\"CheckDuplicate\":true,\"Labels\":" + labels +
                     ",\"Options\":{\"com.docker.network.bridge.name\":" + json::quote(bridge) + "}}";
  auto created = engine_.call("POST", "/networks/create", body);
  if (created.status != 201) throw std::runtime_error("creating the private network for " + spec.name + " failed: " + engineError(created));
  workload.network = name;
  auto inspected = engine_.call("GET", "/networks/" + crypto::formUrlEncode(name));
  json::Value network = json::parse(inspected.body);
  std::string gateway;
  if (const auto* ipam = network.find("IPAM"))
    if (const auto* configs = ipam->find("Config"); configs && configs->isArray())
      for (const auto& config : configs->items())
        if (gateway.empty()) gateway = config.stringOr("Gateway", "");
  if (gateway.empty()) throw std::runtime_error("the private network of " + spec.name + " has no host address");
  std::vector<std::pair<uint16_t, uint16_t>> redirects;
  if (!rules.empty()) {
    workload.egress = std::make_unique<EgressForwarder>(host_, spec.name, gateway, rules);
    redirects = workload.egress->redirects();
  }
  workload.fence = std::make_unique<HostFence>(bridge, bridge, gateway, redirects);
  options.networkMode = name;
  for (const auto& rule : rules) options.extraHosts.push_back(rule.host + ":" + gateway);
}

// Containers of a gateway that died without removing them (SIGKILL, a crash) are removed, so a
// restarted gateway starts clean and none of them keeps running unobserved.
void ContainerRuntime::removeOrphans() {
  auto listed = engine_.call("GET", "/containers/json?all=1&filters=" + crypto::formUrlEncode("{\"label\":[\"moat.managed=true\"]}"));
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
  auto networks = engine_.call("GET", "/networks?filters=" + crypto::formUrlEncode("{\"label\":[\"moat.managed=true\"]}"));
  if (networks.status == 200) {
    json::Value all = json::parse(networks.body);
    for (const auto& network : all.items()) {
      const json::Value* labels = network.find("Labels");
      std::string pidText = labels && labels->isObject() ? labels->stringOr(kGatewayPidLabel, "") : "";
      pid_t pid = static_cast<pid_t>(std::atol(pidText.c_str()));
      if (pid <= 0 || ::kill(pid, 0) == 0 || errno == EPERM) continue;
      if (const auto* options = network.find("Options"); options && options->isObject())
        if (auto bridge = options->stringOr("com.docker.network.bridge.name", ""); !bridge.empty()) HostFence::removeTagged(bridge);
      engine_.call("DELETE", "/networks/" + crypto::formUrlEncode(network.stringOr("Name", "")), {}, 15'000);
    }
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
    int status = engine_.stream("POST", "/images/create?fromImage=" + crypto::formUrlEncode(image) + (tag.empty() ? "" : "&tag=" + crypto::formUrlEncode(tag)),
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
  Workload workload;
  auto discard = [&] {
    try {
      engine_.call("DELETE", containerPath(name, "?force=1&v=1"), {}, 15'000);
    } catch (const std::exception&) {
    }
    release(name, workload);
  };
  try {
    if (!spec.isolation.network && (!spec.stdio || !spec.isolation.egress.empty())) preparePrivateNetwork(name, spec, options, workload);
    auto created = engine_.call("POST", "/containers/create?name=" + crypto::formUrlEncode(name), createContainerBody(spec, options));
    if (created.status != 201) throw std::runtime_error("creating a container from " + spec.image + " failed: " + engineError(created));
    if (spec.stdio) {
      // Attached before it starts, so nothing the server writes first is lost.
      std::string leftover;
      int connection = engine_.hijack(containerPath(name, "/attach?stream=1&stdin=1&stdout=1&stderr=1"), leftover);
      workload.stdio = std::make_unique<AttachedStdio>(host_, spec.name, connection, std::move(leftover));
    }
    auto started = engine_.call("POST", containerPath(name, "/start"));
    if (started.status != 204 && started.status != 304)
      throw std::runtime_error("starting the container " + name + " (" + spec.image + ") failed: " + engineError(started));
  } catch (...) {
    discard();
    throw;
  }
  std::string network = !workload.network.empty() ? "internal" + std::string(workload.egress ? " with egress to " + std::to_string(spec.isolation.egress.size()) + " host(s)" : "")
                        : spec.isolation.network ? "bridge" : "none";
  {
    std::lock_guard lock(mutex_);
    workloads_[name] = std::move(workload);
  }
  host_.info("started container " + name + " from " + spec.image + " (" + engineName(engine_.engine()) + ", network " + network + ")");
  return inspect(name);
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
  if (const auto* settings = container.find("NetworkSettings"))
    if (const auto* networks = settings->find("Networks"); networks && networks->isObject())
      for (const auto& [networkName, endpoint] : networks->members())
        if (auto address = endpoint.stringOr("IPAddress", ""); !address.empty()) {
          out += ",\"address\":" + json::quote(address);
          break;
        }
  if (state) {
    if (const auto* code = state->find("ExitCode")) out += ",\"exit_code\":" + std::to_string(static_cast<int>(code->asNumber()));
    if (const auto* oom = state->find("OOMKilled"); oom && oom->type() == json::Value::Type::Bool) out += std::string(",\"oom_killed\":") + (oom->asBool() ? "true" : "false");
  }
  return out + "}";
}

void ContainerRuntime::remove(std::string_view id) {
  Workload workload;
  {
    std::lock_guard lock(mutex_);
    if (auto it = workloads_.find(std::string(id)); it != workloads_.end()) {
      workload = std::move(it->second);
      workloads_.erase(it);
    }
  }
  auto removed = engine_.call("DELETE", containerPath(id, "?force=1&v=1"), {}, 30'000);
  release(std::string(id), workload);
  if (removed.status != 204 && removed.status != 404) throw std::runtime_error("removing " + std::string(id) + " failed: " + engineError(removed));
}

std::string ContainerRuntime::list() {
  auto listed = engine_.call("GET", "/containers/json?all=1&filters=" + crypto::formUrlEncode("{\"label\":[\"moat.managed=true\"]}"));
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
  auto it = workloads_.find(std::string(id));
  if (it == workloads_.end() || !it->second.stdio) throw std::runtime_error(std::string(id) + " was not started as a stdio server");
  return it->second.stdio->takeHostEnds();
}

}  // namespace moat::container
