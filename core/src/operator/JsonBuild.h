// Terse construction of the JSON objects the operator sends to the API server.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "moat/json.hpp"

namespace moat::op::build {

inline json::Value str(std::string text) { return json::Value::makeString(std::move(text)); }
inline json::Value num(double value) { return json::Value::makeNumber(value); }
inline json::Value flag(bool value) { return json::Value::makeBool(value); }

inline json::Value object(std::initializer_list<std::pair<std::string, json::Value>> members) {
  json::Value out = json::Value::makeObject();
  for (const auto& [key, value] : members) out.mutableMembers()[key] = value;
  return out;
}

inline json::Value array(std::vector<json::Value> items) {
  json::Value out = json::Value::makeArray();
  out.mutableItems() = std::move(items);
  return out;
}

inline json::Value strings(const std::vector<std::string>& items) {
  json::Value out = json::Value::makeArray();
  for (const auto& item : items) out.mutableItems().push_back(str(item));
  return out;
}

}  // namespace moat::op::build
