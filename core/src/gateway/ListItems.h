// The items of a list answer, by the list method that asked for them.
#pragma once

#include <string_view>

#include "moat/json.hpp"

namespace moat::gateway {

// result.tools / prompts / resources / resourceTemplates of `answer` when it is a successful
// answer to `listMethod` holding an array there; nullptr otherwise.
json::Value* listItems(json::Value& answer, std::string_view listMethod);

// What an authorization question names an item by: a tool's or prompt's name, a resource's uri,
// a template's uriTemplate. Empty when the item has none.
std::string itemTarget(const json::Value& item, std::string_view listMethod);

}  // namespace moat::gateway
