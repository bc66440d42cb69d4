// The MCP clients moat can configure: where each keeps its servers, in which format, and how
// it wants a streamable HTTP server written. Entries hold only a URL: a server behind OIDC is
// found by the client through its RFC 9728 metadata, and the client does its own OAuth.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "clients/ServerTable.h"

namespace moat::clients {

enum class Storage { JsoncMap, YamlMap, YamlList, TomlTables };

struct ClientKind {
  std::string name;         // as given to --client
  std::string description;
  // Where the file is under the home directory: "config:" is ~/.config (or $XDG_CONFIG_HOME)
  // on Linux and ~/Library/Application Support on macOS; "xdg:" is ~/.config on both.
  std::string location;
  std::string container;    // the top-level key holding the servers
  Storage storage = Storage::JsoncMap;
  Fields (*entry)(const std::string& name, const std::string& url) = nullptr;
};

const std::vector<ClientKind>& clientKinds();
const ClientKind* findClient(const std::string& name);

// The client's configuration file for this user (from $HOME and $XDG_CONFIG_HOME).
std::string configPath(const ClientKind& client);
// Whether the client looks installed: its configuration file or the folder holding it exists.
bool clientDetected(const ClientKind& client);
std::unique_ptr<ServerTable> serverTable(const ClientKind& client, std::string text);
const char* storageName(Storage storage);

}  // namespace moat::clients
