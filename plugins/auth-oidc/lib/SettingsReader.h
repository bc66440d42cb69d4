// Reading a stage's JSON configuration with errors that name the key ("scopes: expected a list
// of strings"). Shared by every plugin built on this library.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::oidc {

// Throws std::runtime_error "key: problem".
[[noreturn]] void badSetting(std::string_view key, const std::string& problem);

void rejectUnknownKeys(const json::Value& config, const std::set<std::string>& known);

// A string, or empty when the key is absent or null.
std::string textSetting(const json::Value& config, std::string_view key);
// A list of strings, or one string of space- or comma-separated words.
std::vector<std::string> stringList(const json::Value& config, std::string_view key);
// 30s, 500ms, 10m, 1h, or a plain number of seconds.
int64_t durationMs(const json::Value& config, std::string_view key, int64_t fallbackMs);
bool boolSetting(const json::Value& config, std::string_view key, bool fallback);
size_t countSetting(const json::Value& config, std::string_view key, size_t fallback);

// A secret from `<key>_file`, `<key>_env` or `<key>` itself (after the loader's ${ENV}
// expansion); at most one of them. Empty when none is given.
std::string secretSetting(const Host& host, const json::Value& config, const std::string& key);

}  // namespace moat::oidc
