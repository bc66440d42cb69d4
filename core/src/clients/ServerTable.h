// The MCP servers one client's configuration file lists, edited in place: only the entry asked
// for changes, every other byte (foreign servers, comments, key order, indentation) is kept, and
// removing an entry moat added gives back the file as it was before, byte for byte.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace moat::clients {

// A file that is not valid in its format; the message starts with "line L, column C: ".
class ConfigSyntaxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One key of a server entry, in the order it is written.
struct Field {
  std::string key;
  std::variant<std::string, bool, long, std::vector<std::string>> value;
};
using Fields = std::vector<Field>;

class ServerTable {
 public:
  virtual ~ServerTable() = default;
  virtual std::vector<std::string> names() const = 0;
  // The whole file with `name` added, or its entry replaced.
  virtual std::string upsert(const std::string& name, const Fields& fields) const = 0;
  // The whole file without `name`; unchanged when it is not there.
  virtual std::string remove(const std::string& name) const = 0;
};

// Each throws ConfigSyntaxError when `text` is not a valid file of its kind. An empty text is
// an empty file. `container` is the top-level key holding the servers.
// JSON with comments and trailing commas (VS Code's and Zed's JSONC); servers keyed by name.
std::unique_ptr<ServerTable> jsoncServerTable(std::string text, std::string container);
// Block-style YAML: servers keyed by name (Goose), or a list whose items carry `idKey` (Continue).
std::unique_ptr<ServerTable> yamlMapServerTable(std::string text, std::string container);
std::unique_ptr<ServerTable> yamlListServerTable(std::string text, std::string container, std::string idKey);
// TOML with one [container.NAME] table per server (Codex).
std::unique_ptr<ServerTable> tomlServerTable(std::string text, std::string container);

// "line L, column C" of a byte offset, for error messages.
std::string positionText(const std::string& text, size_t offset);

}  // namespace moat::clients
