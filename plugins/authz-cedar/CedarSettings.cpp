#include "CedarSettings.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "moat/settings.hpp"

namespace moat::cedar {
namespace {

std::string fileText(const std::string& key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(key + ": cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ToolHive's authorization config ({version, type: cedarv1, cedar: {policies, entities_json,
// group_claim_name, role_claim_name, group_entity_type}}), in JSON or YAML.
void readToolHiveConfig(const std::string& path, Settings& out) {
  const std::string key = "toolhive_config";
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(key + ": cannot read " + path);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(key + ": " + path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  const std::string type = root["type"] ? root["type"].as<std::string>("") : "";
  if (type != "cedarv1") throw std::runtime_error(key + ": " + path + ": type is '" + type + "', expected cedarv1");
  YAML::Node cedar = root["cedar"];
  if (!cedar || !cedar.IsMap()) throw std::runtime_error(key + ": " + path + ": the cedar section is missing");
  YAML::Node policies = cedar["policies"];
  if (!policies || !policies.IsSequence() || policies.size() == 0)
    throw std::runtime_error(key + ": " + path + ": cedar.policies must list at least one policy");
  for (size_t i = 0; i < policies.size(); ++i)
    out.policies.push_back({path + ": cedar.policies[" + std::to_string(i) + "]", policies[i].as<std::string>("")});
  if (cedar["entities_json"]) out.entitiesJson = cedar["entities_json"].as<std::string>("");
  if (cedar["group_claim_name"]) out.model.groupClaims = {cedar["group_claim_name"].as<std::string>("")};
  if (cedar["role_claim_name"]) out.model.roleClaim = cedar["role_claim_name"].as<std::string>("");
  if (cedar["group_entity_type"] && !cedar["group_entity_type"].as<std::string>("").empty())
    out.model.groupEntityType = cedar["group_entity_type"].as<std::string>("");
}

}  // namespace

Settings readSettings(const json::Value& config, std::string_view instance) {
  settings::checkKeys(config, {"policies", "policy_files", "toolhive_config", "entities_file", "group_claim", "role_claim",
                               "group_entity_type", "server_name", "decision_cache_size", "decision_cache_ttl"},
                      instance);
  Settings out;
  const std::vector<std::string> inline_ = settings::list(config, "policies");
  for (size_t i = 0; i < inline_.size(); ++i) out.policies.push_back({"policies[" + std::to_string(i) + "]", inline_[i]});
  for (const auto& path : settings::list(config, "policy_files")) out.policies.push_back({path, fileText("policy_files", path)});
  if (const std::string path = settings::text(config, "toolhive_config"); !path.empty()) readToolHiveConfig(path, out);
  if (out.policies.empty())
    throw std::runtime_error("policies: no policies (give policies, policy_files or toolhive_config); without one every request would be denied");
  if (const std::string path = settings::text(config, "entities_file"); !path.empty()) out.entitiesJson = fileText("entities_file", path);
  if (const std::string claim = settings::text(config, "group_claim"); !claim.empty()) out.model.groupClaims = {claim};
  if (const std::string claim = settings::text(config, "role_claim"); !claim.empty()) out.model.roleClaim = claim;
  if (const std::string type = settings::text(config, "group_entity_type"); !type.empty()) {
    if (type.find("::") != std::string::npos || type.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos ||
        std::isdigit(static_cast<unsigned char>(type.front())))
      throw std::runtime_error("group_entity_type: expected a Cedar identifier without a namespace, like THVGroup");
    out.model.groupEntityType = type;
  }
  out.model.serverName = settings::text(config, "server_name");
  out.cacheSize = settings::count(config, "decision_cache_size", out.cacheSize);
  out.cacheTtlMs = settings::durationMs(config, "decision_cache_ttl", out.cacheTtlMs);
  return out;
}

}  // namespace moat::cedar
