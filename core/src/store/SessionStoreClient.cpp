#include "store/SessionStoreClient.h"

#include <algorithm>

namespace moat::core {
namespace {

uint32_t ttlMs(std::chrono::milliseconds ttl) {
  return static_cast<uint32_t>(std::clamp<long long>(ttl.count(), 1, 0xFFFFFFFFLL));
}

}  // namespace

SessionStoreClient::SessionStoreClient(const LoadedPlugin& plugin, const std::string& configJson)
    : instance_(requireKind(plugin, MOAT_KIND_SESSION_STORE, "session store"), "session store", "sessions/" + plugin.name, configJson),
      hooks_(plugin.descriptor->session_store) {}

void SessionStoreClient::put(const std::string& key, const std::string& value, std::chrono::milliseconds ttl) {
  TextSink error;
  if (hooks_->put(instance_.get(), abiView(key), abiView(value), ttlMs(ttl), &error.sink) != MOAT_STORE_OK)
    throw StoreUnavailable(pluginName() + ": " + (error.value.empty() ? "the store refused a write" : error.value));
}

std::optional<std::string> SessionStoreClient::get(const std::string& key) {
  TextSink value, error;
  switch (hooks_->get(instance_.get(), abiView(key), &value.sink, &error.sink)) {
    case MOAT_STORE_OK: return value.value;
    case MOAT_STORE_NOT_FOUND: return std::nullopt;
    default: throw StoreUnavailable(pluginName() + ": " + (error.value.empty() ? "the store did not answer" : error.value));
  }
}

bool SessionStoreClient::touch(const std::string& key, std::chrono::milliseconds ttl) {
  TextSink error;
  switch (hooks_->touch(instance_.get(), abiView(key), ttlMs(ttl), &error.sink)) {
    case MOAT_STORE_OK: return true;
    case MOAT_STORE_NOT_FOUND: return false;
    default: throw StoreUnavailable(pluginName() + ": " + (error.value.empty() ? "the store did not answer" : error.value));
  }
}

void SessionStoreClient::remove(const std::string& key) {
  TextSink error;
  if (hooks_->remove(instance_.get(), abiView(key), &error.sink) != MOAT_STORE_OK)
    throw StoreUnavailable(pluginName() + ": " + (error.value.empty() ? "the store refused a removal" : error.value));
}

}  // namespace moat::core
