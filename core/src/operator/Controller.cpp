#include "operator/Controller.h"

#include <random>
#include <thread>

#include "log/Log.h"
#include "operator/ApiTypes.h"
#include "operator/ServerSpec.h"

namespace moat::op {
namespace {

std::string metadataOf(const json::Value& object, const char* key) {
  const json::Value* metadata = object.isObject() ? object.find("metadata") : nullptr;
  return metadata && metadata->isObject() ? metadata->stringOr(key, "") : "";
}

std::string labelOf(const json::Value& object, const std::string& label) {
  const json::Value* metadata = object.isObject() ? object.find("metadata") : nullptr;
  const json::Value* labels = metadata && metadata->isObject() ? metadata->find("labels") : nullptr;
  return labels && labels->isObject() ? labels->stringOr(label, "") : "";
}

void sleepFor(std::chrono::milliseconds duration, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace

Controller::Controller(const kube::KubeClient& api, ControllerOptions options)
    : api_(api), options_(std::move(options)), events_(api), reconciler_(api, events_, options_.gatewayImage) {}

// A queue key: the kind, then namespace/name ("MCPServer/tools/weather").
std::string Controller::keyOf(bool remote, const std::string& ns, const std::string& name) {
  return resourceOf(remote).kind + "/" + ns + "/" + name;
}

void Controller::run(const std::atomic<bool>& stop) {
  auto enqueueServer = [this](const json::Value& object) { queue_.add(keyOf(false, metadataOf(object, "namespace"), metadataOf(object, "name"))); };
  auto enqueueProxy = [this](const json::Value& object) { queue_.add(keyOf(true, metadataOf(object, "namespace"), metadataOf(object, "name"))); };
  auto enqueueOwner = [this](const json::Value& object) {
    for (bool remote : {false, true})
      if (std::string owner = labelOf(object, ownerLabelOf(remote)); !owner.empty()) queue_.add(keyOf(remote, metadataOf(object, "namespace"), owner));
  };
  auto referencing = [this](const std::string& kind) {
    return [this, kind](const json::Value& object) { enqueueReferencing(metadataOf(object, "namespace"), kind, metadataOf(object, "name")); };
  };
  const std::string managed = "app.kubernetes.io/managed-by=" + kFieldManager;
  std::vector<std::thread> threads;
  threads.emplace_back([&, enqueueServer] { watchLoop(kMcpServers, "", enqueueServer, stop); });
  threads.emplace_back([&, enqueueProxy] { watchLoop(kRemoteProxies, "", enqueueProxy, stop); });
  // Everything it made, so a Service or ConfigMap deleted or edited by hand is put back at once
  // rather than at the next resync.
  threads.emplace_back([&, enqueueOwner, managed] { watchLoop(kDeployments, managed, enqueueOwner, stop); });
  threads.emplace_back([&, enqueueOwner, managed] { watchLoop(kServices, managed, enqueueOwner, stop); });
  threads.emplace_back([&, enqueueOwner, managed] { watchLoop(kConfigMaps, managed, enqueueOwner, stop); });
  // A listing of Secrets or auth configs reconciles every resource once, instead of looking up
  // each listed object's users: two lists of MCPServers rather than two per Secret.
  auto everything = [this] { enqueueReferencing(options_.ns, "", ""); };
  threads.emplace_back([&, f = referencing("Secret"), everything] { watchLoop(kSecrets, "", f, stop, everything); });
  threads.emplace_back([&, f = referencing("MCPExternalAuthConfig"), everything] { watchLoop(kExternalAuthConfigs, "", f, stop, everything); });
  threads.emplace_back([&] { work(stop); });
  threads.emplace_back([&] {
    // A resync catches what no event told about (an object changed by hand, a missed event).
    while (!stop) {
      sleepFor(options_.resync, stop);
      if (!stop) enqueueReferencing(options_.ns, "", "");
    }
  });
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  queue_.shutDown();
  for (auto& thread : threads) thread.detach();
}

void Controller::enqueueReferencing(const std::string& ns, const std::string& kind, const std::string& name) {
  for (bool remote : {false, true}) {
    const kube::ResourceType& type = resourceOf(remote);
    try {
      json::Value list = api_.get(type.path(ns));
      for (const auto& item : list.find("items")->items()) {
        const std::string key = keyOf(remote, metadataOf(item, "namespace"), metadataOf(item, "name"));
        if (kind.empty()) {
          queue_.add(key);
          continue;
        }
        ServerSpec server = remote ? readRemoteProxySpec(item) : readServerSpec(item);
        std::optional<ExternalAuthSpec> none;
        bool uses = kind == "MCPExternalAuthConfig" ? server.externalAuthConfig == name : false;
        if (kind == "Secret") {
          for (const auto& ref : referencedSecrets(server, none)) uses = uses || ref.name == name;
          // The exchanger's secret is named by the MCPExternalAuthConfig: reconcile every one
          // with one, which then reads it afresh.
          uses = uses || !server.externalAuthConfig.empty();
        }
        if (uses) queue_.add(key);
      }
    } catch (const std::exception& e) {
      log::warn("operator", "cannot list", {{"kind", type.kind}, {"namespace", ns.empty() ? "*" : ns}, {"error", e.what()}});
    }
  }
}

void Controller::watchLoop(const kube::ResourceType& type, const std::string& labelSelector,
                           const std::function<void(const json::Value&)>& onChange, const std::atomic<bool>& stop,
                           const std::function<void()>& onList) {
  const std::string collection = type.path(options_.ns);
  const std::string selector = labelSelector.empty() ? "" : "labelSelector=" + labelSelector;
  std::string resourceVersion;
  std::chrono::milliseconds backoff(500);
  bool interrupted = false;
  std::mt19937 random(std::random_device{}());
  while (!stop) {
    try {
      if (resourceVersion.empty()) {
        json::Value list = api_.get(collection + (selector.empty() ? "" : "?" + selector));
        resourceVersion = metadataOf(list, "resourceVersion");
        const auto& items = list.find("items")->items();
        log::info("operator", "listed", {{"kind", type.kind}, {"objects", std::to_string(items.size())}, {"resourceVersion", resourceVersion}});
        if (onList) onList();
        else for (const auto& item : items) onChange(item);
      } else if (interrupted) {
        log::info("operator", "watch resumed", {{"kind", type.kind}, {"resourceVersion", resourceVersion}});
      }
      interrupted = false;
      // Spread the server-side timeouts so the watches do not all reconnect at once.
      const int timeout = 240 + static_cast<int>(random() % 60);
      std::string path = collection + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(timeout) +
                         "&resourceVersion=" + resourceVersion + (selector.empty() ? "" : "&" + selector);
      api_.watch(path, [&](const json::Value& event) {
        const std::string kind = event.stringOr("type", "");
        const json::Value* object = event.find("object");
        if (!object) return !stop.load();
        if (kind == "ERROR") {
          // 410 Gone: the resourceVersion is older than etcd keeps; list again.
          log::info("operator", "watch expired; listing again", {{"kind", type.kind}, {"message", object->stringOr("message", "")}});
          resourceVersion.clear();
          return false;
        }
        if (std::string version = metadataOf(*object, "resourceVersion"); !version.empty()) resourceVersion = version;
        if (kind != "BOOKMARK") onChange(*object);
        return !stop.load();
      });
      backoff = std::chrono::milliseconds(500);
    } catch (const kube::ApiError& e) {
      if (e.status == 410) {
        resourceVersion.clear();
        continue;
      }
      log::warn("operator", "watch refused", {{"kind", type.kind}, {"status", std::to_string(e.status)}, {"reason", e.reason}, {"error", e.what()}});
      sleepFor(backoff, stop);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
    } catch (const std::exception& e) {
      if (!interrupted) log::warn("operator", "watch interrupted; resuming", {{"kind", type.kind}, {"error", e.what()}});
      interrupted = true;
      sleepFor(backoff, stop);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
    }
  }
}

void Controller::work(const std::atomic<bool>& stop) {
  while (!stop) {
    std::optional<std::string> key = queue_.next();
    if (!key) return;
    const size_t kindEnd = key->find('/'), slash = key->find('/', kindEnd + 1);
    const bool remote = key->substr(0, kindEnd) == kRemoteProxies.kind;
    const std::string ns = key->substr(kindEnd + 1, slash - kindEnd - 1), name = key->substr(slash + 1);
    const std::string logKey = remote ? "mcpremoteproxy" : "mcpserver";
    try {
      reconciler_.reconcile(remote, ns, name);
      queue_.succeeded(*key);
    } catch (const std::exception& e) {
      const auto delay = queue_.failed(*key);
      const auto* api = dynamic_cast<const kube::ApiError*>(&e);
      log::warn("operator", "reconcile failed; retrying", {{logKey, ns + "/" + name}, {"error", e.what()},
                                                          {"retry_in", std::to_string(delay.count() / 1000) + "s"}});
      if (api) reconciler_.reportFailure(remote, ns, name, api->status == 403 ? "Forbidden" : api->reason, e.what());
      queue_.add(*key, delay);
    }
  }
}

}  // namespace moat::op
