// The servers `moat run NAME` can start by name: the curated set built into moat, then files and
// MCP Registry API endpoints that extend it (a later source's entry replaces an earlier one of
// the same name).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/ServerJson.h"

namespace moat::registry {

class Registry {
 public:
  // Each source is a file (a server.json, a JSON array of them, or an API list answer) or the
  // http(s) base URL of an MCP Registry API (GET /v0.1/servers). Files are read now; throws
  // RegistryError naming the file.
  explicit Registry(const std::vector<std::string>& sources);

  // Every entry of the built-in set and the files, and the first page of each API.
  std::vector<ServerEntry> list() const;
  // Entries whose name, title or description holds `query` (case-insensitive).
  std::vector<ServerEntry> search(const std::string& query) const;
  // By full name ("io.github.example/weather"), or by short name ("weather") when one entry
  // has it. Throws RegistryError when a short name is ambiguous or an API cannot be reached.
  std::optional<ServerEntry> find(const std::string& name) const;

 private:
  std::vector<ServerEntry> local_;
  std::vector<std::string> apis_;
};

// The sources named by $MOAT_REGISTRY (separated by ','), then `flags`.
std::vector<std::string> registrySources(const std::vector<std::string>& flags);

// The curated entries, as JSON (generated at build time from config/registry/servers.json).
const char* builtinServersJson();

}  // namespace moat::registry
