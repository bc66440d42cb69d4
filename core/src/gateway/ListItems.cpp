#include "gateway/ListItems.h"

namespace moat::gateway {
namespace {

std::string_view itemsMember(std::string_view listMethod) {
  if (listMethod == "tools/list") return "tools";
  if (listMethod == "prompts/list") return "prompts";
  if (listMethod == "resources/list") return "resources";
  if (listMethod == "resources/templates/list") return "resourceTemplates";
  return {};
}

}  // namespace

json::Value* listItems(json::Value& answer, std::string_view listMethod) {
  const std::string_view member = itemsMember(listMethod);
  if (member.empty() || !answer.isObject()) return nullptr;
  auto result = answer.mutableMembers().find("result");
  if (result == answer.mutableMembers().end() || !result->second.isObject()) return nullptr;
  auto items = result->second.mutableMembers().find(std::string(member));
  if (items == result->second.mutableMembers().end() || !items->second.isArray()) return nullptr;
  return &items->second;
}

std::string itemTarget(const json::Value& item, std::string_view listMethod) {
  if (listMethod == "resources/list") return item.stringOr("uri", "");
  if (listMethod == "resources/templates/list") return item.stringOr("uriTemplate", "");
  return item.stringOr("name", "");
}

}  // namespace moat::gateway
