// Reading a plugin instance's JSON settings with errors a user can act on: each names the key
// ("scopes: expected a list of strings"), an unknown key also names the instance and the known
// key it was probably meant to be, and every duration has the host's one syntax ("250ms", "30s",
// "5m", "1h", a bare number of milliseconds). Header-only, C++17. Every function that reads a
// key throws std::runtime_error "<key>: <problem>".
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "moat/json.hpp"
#include "moat/plugin.hpp"

namespace moat::settings {

[[noreturn]] inline void fail(std::string_view key, const std::string& problem) {
  throw std::runtime_error(std::string(key) + ": " + problem);
}

namespace detail {

// Edits (insert, delete, substitute, swap two neighbours) that turn a into b.
inline size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace detail

// The known key closest to `key`, or "" when none is close enough to be a likely typo.
inline std::string closestKey(std::string_view key, const std::set<std::string>& known) {
  std::string best;
  size_t bestDistance = std::max<size_t>(2, key.size() / 3) + 1;
  for (const auto& candidate : known) {
    size_t distance = detail::editDistance(key, candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best;
}

// Refuses a key outside `known`: "<prefix><key>: unknown key in <instance> (did you mean
// '<closest>'?)". `instance` is Host::instanceName() (may be empty); `prefix` names an enclosing
// mapping ("isolation.").
inline void checkKeys(const json::Value& config, const std::set<std::string>& known, std::string_view instance = {},
                      std::string_view prefix = {}) {
  if (!config.isObject()) fail(prefix.empty() ? std::string_view("configuration") : prefix.substr(0, prefix.size() - 1), "must be a mapping");
  for (const auto& [key, value] : config.members()) {
    if (known.count(key)) continue;
    std::string problem = "unknown key";
    if (!instance.empty()) problem += " in " + std::string(instance);
    if (std::string closest = closestKey(key, known); !closest.empty()) problem += " (did you mean '" + closest + "'?)";
    fail(std::string(prefix) + key, problem);
  }
}

// A string, or empty when the key is absent or null.
inline std::string text(const json::Value& config, std::string_view key) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return {};
  if (!v->isString()) fail(key, "expected a string");
  return v->asString();
}

// A string that must be present and not empty; `what` says what it is for.
inline std::string required(const json::Value& config, std::string_view key, std::string_view what = {}) {
  std::string value = text(config, key);
  if (value.empty()) fail(key, what.empty() ? std::string("required") : "required: " + std::string(what));
  return value;
}

// A list of strings, or one string of space- or comma-separated words.
inline std::vector<std::string> list(const json::Value& config, std::string_view key) {
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
  if (!v->isArray()) fail(key, "expected a list of strings");
  for (const auto& item : v->items()) {
    if (!item.isString()) fail(key, "expected a list of strings");
    out.push_back(item.asString());
  }
  return out;
}

// The one duration syntax of every configuration Moat reads, the host's YAML and every plugin's
// settings alike: "250ms", "30s", "5m", "1h", or digits alone for milliseconds. nullopt when
// `text` is not one of those.
inline std::optional<int64_t> parseDurationMs(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  int64_t n = std::stoll(std::string(text.substr(0, digits)));
  std::string_view unit = text.substr(digits);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.empty() || unit == "ms") return n;
  if (unit == "s") return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  return std::nullopt;
}

// A duration setting in milliseconds (see parseDurationMs); a JSON number is milliseconds too.
inline int64_t durationMs(const json::Value& config, std::string_view key, int64_t fallbackMs) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return fallbackMs;
  if (v->type() == json::Value::Type::Number) {
    if (v->asNumber() < 0) fail(key, "must not be negative");
    return static_cast<int64_t>(std::llround(v->asNumber()));
  }
  if (!v->isString()) fail(key, "expected a duration such as 250ms, 30s or 5m");
  auto ms = parseDurationMs(v->asString());
  if (!ms) fail(key, "expected a duration such as 250ms, 30s or 5m (a bare number is milliseconds)");
  return *ms;
}

// The same for a key whose name says it counts seconds ("max_backoff_seconds"): a bare number
// is seconds there, and a duration with a unit is taken as written.
inline int64_t secondsMs(const json::Value& config, std::string_view key, int64_t fallbackMs) {
  const json::Value* v = config.find(key);
  if (v && v->type() == json::Value::Type::Number) {
    if (v->asNumber() < 0) fail(key, "must not be negative");
    return static_cast<int64_t>(std::llround(v->asNumber() * 1000));
  }
  const int64_t ms = durationMs(config, key, fallbackMs);
  const bool digitsOnly = v && v->isString() && v->asString().find_first_not_of("0123456789") == std::string::npos;
  return digitsOnly ? ms * 1000 : ms;
}

inline bool flag(const json::Value& config, std::string_view key, bool fallback) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return fallback;
  if (v->type() != json::Value::Type::Bool) fail(key, "expected true or false");
  return v->asBool();
}

inline size_t count(const json::Value& config, std::string_view key, size_t fallback) {
  const json::Value* v = config.find(key);
  if (!v || v->isNull()) return fallback;
  if (v->type() != json::Value::Type::Number || v->asNumber() < 0) fail(key, "expected a count");
  return static_cast<size_t>(v->asNumber());
}

// A secret from `<key>_file`, `<key>_env` or `<key>` itself (after the host's ${ENV} expansion);
// at most one of them. Empty when none is given. Messages never carry the value.
inline std::string secret(const Host& host, const json::Value& config, const std::string& key) {
  const std::string fileKey = key + "_file", envKey = key + "_env";
  std::string file = text(config, fileKey), env = text(config, envKey), inline_ = text(config, key);
  if (int(!file.empty()) + int(!env.empty()) + int(!inline_.empty()) > 1) fail(key, "give one of " + key + ", " + fileKey + " and " + envKey);
  if (!file.empty()) {
    try {
      return host.readSecretFile(file);
    } catch (const std::exception& e) {
      fail(fileKey, e.what());
    }
  }
  if (!env.empty()) {
    auto value = host.env(env);
    if (!value || value->empty()) fail(envKey, "environment variable " + env + " is not set");
    return *value;
  }
  return inline_;
}

}  // namespace moat::settings
