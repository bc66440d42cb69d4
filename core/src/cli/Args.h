// Command-line flags: `--name value`, `--name=value` and boolean `--name`, checked against the
// command's list so an unknown or incomplete flag is an error, not a silent default.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace moat::cli {

struct FlagSpec {
  std::string name;  // without the leading dashes
  std::string valueName;  // empty for a boolean flag
  std::string help;
  char shortName = 0;  // a one-letter alias ("-e"), for ToolHive's short flags
};

struct CommandSpec {
  std::string name;
  std::string summary;
  std::string usage;
  std::vector<FlagSpec> flags;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Args {
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> positional;
  // How many positionals came before a `--` (all of them when there is none).
  size_t positionalBeforeSeparator = 0;
  bool has(const std::string& name) const { return values.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
};

// Throws UsageError naming the offending flag.
Args parseArgs(const CommandSpec& spec, const std::vector<std::string>& argv);
std::string helpText(const CommandSpec& spec);

}  // namespace moat::cli
