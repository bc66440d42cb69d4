#include "PdpSettings.h"

#include <stdexcept>

#include "moat/settings.hpp"

namespace moat::pdp {

Settings readSettings(const json::Value& config, std::string_view instance) {
  settings::checkKeys(config, {"url", "shape", "server_id", "include_args", "include_operation", "timeout", "decision_cache_size",
                               "decision_cache_ttl"},
                      instance);
  Settings out;
  out.url = settings::required(config, "url", "the decision point's URL (porc: its base; opa: the Data API document, e.g. http://opa:8181/v1/data/mcp/allow)");
  if (out.url.rfind("http://", 0) != 0 && out.url.rfind("https://", 0) != 0) throw std::runtime_error("url: expected an http:// or https:// URL");
  const std::string shape = settings::text(config, "shape");
  if (shape == "opa") out.shape = Settings::Shape::Opa;
  else if (!shape.empty() && shape != "porc") throw std::runtime_error("shape: expected porc (ToolHive's /decision) or opa (OPA's Data API)");
  if (const std::string id = settings::text(config, "server_id"); !id.empty()) out.serverId = id;
  out.includeArguments = settings::flag(config, "include_args", out.includeArguments);
  out.includeOperation = settings::flag(config, "include_operation", out.includeOperation);
  out.timeoutMs = settings::durationMs(config, "timeout", out.timeoutMs);
  out.cacheSize = settings::count(config, "decision_cache_size", out.cacheSize);
  out.cacheTtlMs = settings::durationMs(config, "decision_cache_ttl", out.cacheTtlMs);
  return out;
}

}  // namespace moat::pdp
