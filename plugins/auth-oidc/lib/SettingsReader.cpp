#include "SettingsReader.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

namespace moat::oidc {

void badSetting(std::string_view key, const std::string& problem) {
  throw std::runtime_error(std::string(key) + ": " + problem);
}

void rejectUnknownKeys(const json::Value& config, const std::set<std::string>& known) {
  for (const auto& [key, value] : config.members())
    if (!known.count(key)) badSetting(key, "unknown key");
}

std::string textSetting(const json::Value& config, std::string_view key) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return {};
  if (!v->isString()) badSetting(key, "expected a string");
  return v->asString();
}

std::vector<std::string> stringList(const json::Value& config, std::string_view key) {
  const json::Value* v = config.find(key);
  std::vector<std::string> out;
  if (!v || v->isNull()) return out;
  if (v->isString()) {
    std::string word;
    for (char c : v->asString() + " ") {
      if (c == ' ' || c == ',') {
        if (!word.empty()) out.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    return out;
  }
  if (!v->isArray()) badSetting(key, "expected a list of strings");
  for (const auto& item : v->items()) {
    if (!item.isString()) badSetting(key, "expected a list of strings");
    out.push_back(item.asString());
  }
  return out;
}

int64_t durationMs(const json::Value& config, std::string_view key, int64_t fallbackMs) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return fallbackMs;
  if (v->type() == json::Value::Type::Number) {
    if (v->asNumber() < 0) badSetting(key, "must not be negative");
    return static_cast<int64_t>(std::llround(v->asNumber() * 1000));  // plain numbers are seconds
  }
  if (!v->isString()) badSetting(key, "expected a duration such as 30s, 500ms or 10m");
  const std::string& s = v->asString();
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0 || digits > 12) badSetting(key, "expected a duration such as 30s, 500ms or 10m");
  int64_t n = std::stoll(s.substr(0, digits));
  std::string unit = s.substr(digits);
  if (unit == "ms") return n;
  if (unit == "s" || unit.empty()) return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  badSetting(key, "unknown unit \"" + unit + "\" (use ms, s, m or h)");
}

bool boolSetting(const json::Value& config, std::string_view key, bool fallback) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return fallback;
  if (v->type() != json::Value::Type::Bool) badSetting(key, "expected true or false");
  return v->asBool();
}

size_t countSetting(const json::Value& config, std::string_view key, size_t fallback) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return fallback;
  if (v->type() != json::Value::Type::Number || v->asNumber() < 0) badSetting(key, "expected a count");
  return static_cast<size_t>(v->asNumber());
}

std::string secretSetting(const Host& host, const json::Value& config, const std::string& key) {
  const std::string fileKey = key + "_file", envKey = key + "_env";
  std::string file = textSetting(config, fileKey), env = textSetting(config, envKey), inline_ = textSetting(config, key);
  if (int(!file.empty()) + int(!env.empty()) + int(!inline_.empty()) > 1)
    badSetting(key, "give one of " + key + ", " + fileKey + " and " + envKey);
  if (!file.empty()) {
    try {
      return host.readSecretFile(file);
    } catch (const std::exception& e) {
      badSetting(fileKey, e.what());
    }
  }
  if (!env.empty()) {
    auto value = host.env(env);
    if (!value || value->empty()) badSetting(envKey, "environment variable " + env + " is not set");
    return *value;
  }
  return inline_;
}

}  // namespace moat::oidc
