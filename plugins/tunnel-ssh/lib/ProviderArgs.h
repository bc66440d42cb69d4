// Reading a tunnel provider's --provider-args JSON with errors that name the argument.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "moat/json.hpp"

namespace moat::tunnel {

// Throws std::runtime_error "key: problem".
[[noreturn]] void badArgument(const std::string& key, const std::string& problem);
void rejectUnknownArguments(const json::Value& args, const std::set<std::string>& known, const std::string& hint = {});
// A string, or empty when absent or null.
std::string textArgument(const json::Value& args, const char* key);
// A positive number of seconds into `targetMs`, left alone when absent.
void secondsArgument(const json::Value& args, const char* key, int64_t& targetMs);

}  // namespace moat::tunnel
