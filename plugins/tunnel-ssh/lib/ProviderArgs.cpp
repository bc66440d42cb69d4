#include "ProviderArgs.h"

#include <stdexcept>

namespace moat::tunnel {

void badArgument(const std::string& key, const std::string& problem) { throw std::runtime_error(key + ": " + problem); }

void rejectUnknownArguments(const json::Value& args, const std::set<std::string>& known, const std::string& hint) {
  if (!args.isObject()) throw std::runtime_error("provider arguments must be a JSON object");
  for (const auto& [key, value] : args.members())
    if (!known.count(key)) badArgument(key, "unknown argument" + (hint.empty() ? "" : " (" + hint + ")"));
}

std::string textArgument(const json::Value& args, const char* key) {
  const json::Value* v = args.find(key);
  if (!v || v->isNull()) return {};
  if (!v->isString()) badArgument(key, "expected a string");
  return v->asString();
}

void secondsArgument(const json::Value& args, const char* key, int64_t& targetMs) {
  const json::Value* v = args.find(key);
  if (!v || v->isNull()) return;
  if (v->type() != json::Value::Type::Number || v->asNumber() <= 0) badArgument(key, "expected a positive number of seconds");
  targetMs = static_cast<int64_t>(v->asNumber() * 1000);
}

}  // namespace moat::tunnel
