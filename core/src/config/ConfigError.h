#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/Config.h"

namespace moat::config {

struct ConfigError {
  Location where;
  std::string message;
  // "file:line:column: key: message"
  std::string format() const;
};

// Thrown when a configuration cannot be used; carries every error found.
class ConfigErrors : public std::runtime_error {
 public:
  explicit ConfigErrors(std::vector<ConfigError> errors);
  const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  std::vector<ConfigError> errors_;
};

}  // namespace moat::config
