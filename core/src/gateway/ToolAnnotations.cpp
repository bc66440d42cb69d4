#include "gateway/ToolAnnotations.h"

namespace moat::gateway {

void ToolAnnotations::record(const std::string& session, const json::Value& tools) {
  if (!tools.isArray()) return;
  std::map<std::string, std::string> found;
  for (const auto& tool : tools.items()) {
    if (!tool.isObject()) continue;
    const json::Value* name = tool.find("name");
    const json::Value* annotations = tool.find("annotations");
    if (!name || !name->isString()) continue;
    found[name->asString()] = annotations && annotations->isObject() ? json::write(*annotations) : "{}";
  }
  std::lock_guard lock(mutex_);
  if (bySession_.try_emplace(session).second) {
    arrival_.push_back(session);
    while (arrival_.size() > maxSessions_) {
      bySession_.erase(arrival_.front());
      arrival_.pop_front();
    }
  }
  auto it = bySession_.find(session);
  if (it == bySession_.end()) return;  // a cap of zero keeps nothing
  for (auto& [name, value] : found) it->second[name] = std::move(value);
}

std::string ToolAnnotations::lookup(const std::string& session, const std::string& tool) const {
  std::lock_guard lock(mutex_);
  auto it = bySession_.find(session);
  if (it == bySession_.end()) return "{}";
  auto found = it->second.find(tool);
  return found == it->second.end() ? "{}" : found->second;
}

}  // namespace moat::gateway
