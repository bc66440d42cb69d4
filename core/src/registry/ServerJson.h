// One MCP server described in the official MCP registry's server.json format (schema
// 2025-12-11): how it is published (packages on npm, PyPI, OCI registries...) and hosted
// (remotes), with the arguments and environment it takes.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "moat/json.hpp"

namespace moat::registry {

// A server.json that does not follow the format; the message names the member ("packages[0].transport.type: ...").
class RegistryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Argument {
  std::string type;  // positional | named
  std::string name;  // named: the flag ("--port")
  std::optional<std::string> value, defaultValue;
  std::string valueHint, description;
  bool isRequired = false;
  bool hasVariables = false;  // the value holds {placeholders} the registry describes
};

struct EnvironmentVariable {
  std::string name, description;
  std::optional<std::string> value, defaultValue;
  bool isRequired = false, isSecret = false;
};

struct Package {
  std::string registryType;  // npm | pypi | oci | nuget | mcpb | ...
  std::string identifier, version, runtimeHint;
  std::string transport = "stdio";  // stdio | streamable-http | sse
  std::string transportUrl;         // for HTTP transports: where the server listens
  std::vector<Argument> runtimeArguments, packageArguments;
  std::vector<EnvironmentVariable> environment;
};

struct Remote {
  std::string type, url;
};

struct ServerEntry {
  std::string name, title, description, version, websiteUrl, repository;
  std::vector<Package> packages;
  std::vector<Remote> remotes;
  // What a container of it may reach (HOST:PORT), from _meta "dev.moat/permissions".
  std::vector<std::string> egress;
  bool egressDeclared = false;
  std::string source;  // where the entry was read: "built-in", a file, a registry URL

  // The part after the last '/' of the name: "io.github.example/weather" -> "weather".
  std::string shortName() const;
};

// Throws RegistryError.
ServerEntry parseServerJson(const json::Value& document, const std::string& source);

}  // namespace moat::registry
