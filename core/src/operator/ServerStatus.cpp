#include "operator/ServerStatus.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>

#include "operator/JsonBuild.h"

namespace moat::op {
namespace {

using namespace build;

const json::Value* previousCondition(const json::Value& previous, const std::string& type) {
  const json::Value* list = previous.isObject() ? previous.find("conditions") : nullptr;
  if (!list || !list->isArray()) return nullptr;
  for (const auto& item : list->items())
    if (item.stringOr("type", "") == type) return &item;
  return nullptr;
}

const char* word(bool status) { return status ? "True" : "False"; }

}  // namespace

json::Value statusJson(const ServerStatus& status, const json::Value& previous) {
  const std::string now = Poco::DateTimeFormatter::format(Poco::DateTime(), "%Y-%m-%dT%H:%M:%SZ");
  json::Value conditions = json::Value::makeArray();
  for (const auto& condition : status.conditions) {
    const json::Value* before = previousCondition(previous, condition.type);
    std::string since = before && before->stringOr("status", "") == word(condition.status) ? before->stringOr("lastTransitionTime", now) : now;
    conditions.mutableItems().push_back(object({{"type", str(condition.type)},
                                                {"status", str(word(condition.status))},
                                                {"reason", str(condition.reason)},
                                                {"message", str(condition.message)},
                                                {"observedGeneration", num(static_cast<double>(status.observedGeneration))},
                                                {"lastTransitionTime", str(since)}}));
  }
  json::Value out = object({{"observedGeneration", num(static_cast<double>(status.observedGeneration))},
                            {"phase", str(status.phase)},
                            {"conditions", conditions}});
  if (!status.url.empty()) out.mutableMembers()["url"] = str(status.url);
  return out;
}

std::vector<Condition> changedConditions(const ServerStatus& next, const json::Value& previous) {
  std::vector<Condition> out;
  for (const auto& condition : next.conditions) {
    const json::Value* before = previousCondition(previous, condition.type);
    if (!before || before->stringOr("status", "") != word(condition.status) || before->stringOr("reason", "") != condition.reason ||
        before->stringOr("message", "") != condition.message)
      out.push_back(condition);
  }
  return out;
}

bool sameStatus(const ServerStatus& status, const json::Value& previous) {
  if (!previous.isObject()) return false;
  const json::Value* generation = previous.find("observedGeneration");
  if (!generation || generation->type() != json::Value::Type::Number ||
      static_cast<int64_t>(generation->asNumber()) != status.observedGeneration)
    return false;
  if (previous.stringOr("phase", "") != status.phase || previous.stringOr("url", "") != status.url) return false;
  const json::Value* list = previous.find("conditions");
  if (!list || !list->isArray() || list->items().size() != status.conditions.size()) return false;
  return changedConditions(status, previous).empty();
}

}  // namespace moat::op
