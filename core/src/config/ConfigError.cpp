#include "config/ConfigError.h"

namespace moat::config {

std::string ConfigError::format() const {
  std::string out = where.file;
  if (where.line > 0) out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  out += ": ";
  if (!where.key.empty()) out += where.key + ": ";
  return out + message;
}

namespace {
std::string joinErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e.format();
  return out;
}
}  // namespace

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : std::runtime_error(joinErrors(errors)), errors_(std::move(errors)) {}

}  // namespace moat::config
