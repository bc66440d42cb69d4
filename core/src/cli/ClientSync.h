// Which MCP clients moat keeps configured (`moat client setup`), and which entries it wrote in
// each: kept in the state directory, so `moat run` can add a workload to every registered client
// and `moat rm` can take it out again, touching only entries moat itself added.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "clients/ClientCatalogue.h"

namespace moat::cli {

struct ClientRegistrations {
  std::set<std::string> registered;
  std::map<std::string, std::set<std::string>> written;  // client -> server names moat added

  static ClientRegistrations load();
  void save() const;
};

// Adds or updates `server` in the client's file. Refuses (std::runtime_error) to replace an
// entry of that name moat did not write, and a file it cannot parse (ConfigSyntaxError, with
// the path prefixed). Returns false when the file already said exactly this.
bool writeClientEntry(const clients::ClientKind& client, const std::string& server, const std::string& url, ClientRegistrations& state);
// Removes an entry moat wrote; false when there was none to remove.
bool removeClientEntry(const clients::ClientKind& client, const std::string& server, ClientRegistrations& state);

// For `moat run` and `moat rm`: the same for every registered client, reporting on stderr and
// never failing the command.
void publishToClients(const std::string& server, const std::string& url);
void withdrawFromClients(const std::string& server);

}  // namespace moat::cli
