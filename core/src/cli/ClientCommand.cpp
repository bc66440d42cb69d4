#include "cli/ClientCommand.h"

#include <cstdio>
#include <stdexcept>

#include "cli/ClientSync.h"
#include "cli/WorkloadState.h"
#include "clients/ConfigFile.h"

namespace moat::cli {
namespace {

// --client values (checked), or the fallback.
std::vector<const clients::ClientKind*> chosenClients(const Args& args, const std::vector<const clients::ClientKind*>& fallback) {
  std::vector<const clients::ClientKind*> out;
  for (const auto& name : args.all("client")) {
    const clients::ClientKind* kind = clients::findClient(name);
    if (!kind) {
      std::string known;
      for (const auto& k : clients::clientKinds()) known += (known.empty() ? "" : ", ") + k.name;
      throw UsageError("--client " + name + ": unknown client (known: " + known + ")");
    }
    out.push_back(kind);
  }
  return out.empty() ? fallback : out;
}

int listClients() {
  std::printf("%-16s %-6s %-5s %-38s %s\n", "CLIENT", "FOUND", "TYPE", "DESCRIPTION", "FILE");
  for (const auto& kind : clients::clientKinds())
    std::printf("%-16s %-6s %-5s %-38s %s\n", kind.name.c_str(), clients::clientDetected(kind) ? "yes" : "no", clients::storageName(kind.storage),
                kind.description.c_str(), clients::configPath(kind).c_str());
  return 0;
}

int setupClients(const Args& args) {
  std::vector<const clients::ClientKind*> detected;
  for (const auto& kind : clients::clientKinds())
    if (clients::clientDetected(kind)) detected.push_back(&kind);
  auto chosen = chosenClients(args, detected);
  if (chosen.empty()) throw UsageError("no MCP client found in this home directory; name one with --client (moat client list)");
  std::vector<Workload> servers;
  if (args.all("server").empty()) {
    for (const auto& workload : listWorkloads())
      if (observedState(workload) == "running" && !workload.url.empty()) servers.push_back(workload);
  } else {
    for (const auto& name : args.all("server")) {
      auto workload = loadWorkload(name);
      if (!workload || workload->url.empty()) throw UsageError("--server " + name + ": no workload by that name (moat list)");
      servers.push_back(*workload);
    }
  }
  ClientRegistrations state = ClientRegistrations::load();
  int failures = 0;
  for (const auto* client : chosen) {
    state.registered.insert(client->name);
    const std::string path = clients::configPath(*client);
    for (const auto& server : servers) {
      try {
        const bool changed = writeClientEntry(*client, server.name, server.url, state);
        std::printf("moat: %s: %s %s in %s\n", client->name.c_str(), changed ? "wrote" : "already has", server.name.c_str(), path.c_str());
      } catch (const std::exception& e) {
        ++failures;
        std::fprintf(stderr, "moat: %s: %s\n", client->name.c_str(), e.what());
      }
    }
    if (servers.empty()) std::printf("moat: %s registered; workloads started with moat run will be added to %s\n", client->name.c_str(), path.c_str());
  }
  state.save();
  return failures ? 1 : 0;
}

int removeFromClients(const Args& args) {
  ClientRegistrations state = ClientRegistrations::load();
  std::vector<const clients::ClientKind*> registered;
  for (const auto& kind : clients::clientKinds())
    if (state.registered.count(kind.name) || !state.written[kind.name].empty()) registered.push_back(&kind);
  int failures = 0;
  for (const auto* client : chosenClients(args, registered)) {
    std::vector<std::string> servers = args.all("server");
    if (servers.empty()) servers.assign(state.written[client->name].begin(), state.written[client->name].end());
    for (const auto& server : servers) {
      try {
        if (removeClientEntry(*client, server, state))
          std::printf("moat: %s: removed %s from %s\n", client->name.c_str(), server.c_str(), clients::configPath(*client).c_str());
      } catch (const std::exception& e) {
        ++failures;
        std::fprintf(stderr, "moat: %s: %s\n", client->name.c_str(), e.what());
      }
    }
    if (args.all("server").empty() && state.written[client->name].empty()) {
      state.registered.erase(client->name);
      std::printf("moat: %s is no longer kept configured\n", client->name.c_str());
    }
  }
  state.save();
  return failures ? 1 : 0;
}

int clientStatus() {
  ClientRegistrations state = ClientRegistrations::load();
  std::printf("%-16s %-10s %-6s %-30s %s\n", "CLIENT", "REGISTERED", "FOUND", "MOAT SERVERS", "FILE");
  for (const auto& kind : clients::clientKinds()) {
    const std::string path = clients::configPath(kind);
    std::string servers;
    try {
      if (auto text = clients::readConfigFile(path)) {
        auto table = clients::serverTable(kind, *text);
        for (const auto& name : table->names())
          if (state.written[kind.name].count(name)) servers += (servers.empty() ? "" : ",") + name;
      }
    } catch (const std::exception& e) {
      servers = "(unreadable: " + std::string(e.what()) + ")";
    }
    std::printf("%-16s %-10s %-6s %-30s %s\n", kind.name.c_str(), state.registered.count(kind.name) ? "yes" : "no",
                clients::clientDetected(kind) ? "yes" : "no", servers.empty() ? "-" : servers.c_str(), path.c_str());
  }
  return 0;
}

}  // namespace

CommandSpec clientSpec() {
  return {"client", "configure MCP clients (VS Code, Cursor, Claude Code, Goose, ...) to reach moat's workloads",
          "moat client list | status\n"
          "       moat client setup [--client NAME]... [--server WORKLOAD]...   (default: every client found, every running workload)\n"
          "       moat client remove [--client NAME]... [--server WORKLOAD]...",
          {{"client", "NAME", "a client from moat client list (repeatable)"},
           {"server", "WORKLOAD", "a workload from moat list (repeatable)"}}};
}

int runClient(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("usage: moat client list|setup|remove|status");
  const std::string& action = args.positional[0];
  if (action == "list") return listClients();
  if (action == "setup") return setupClients(args);
  if (action == "remove") return removeFromClients(args);
  if (action == "status") return clientStatus();
  throw UsageError("moat client: unknown action " + action + " (list, setup, remove, status)");
}

}  // namespace moat::cli
