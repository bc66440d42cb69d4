// Reads a YAML configuration file into a Config, collecting every error with its file, line
// and key instead of stopping at the first one.
#pragma once

#include <string>
#include <vector>

#include "config/Config.h"
#include "config/ConfigError.h"

namespace moat::config {

struct LoadResult {
  Config config;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

LoadResult loadFile(const std::string& path);
LoadResult loadText(const std::string& text, const std::string& fileName);

}  // namespace moat::config
