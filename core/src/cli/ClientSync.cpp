#include "cli/ClientSync.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "cli/WorkloadState.h"
#include "clients/ConfigFile.h"
#include "moat/json.hpp"

namespace moat::cli {
namespace fs = std::filesystem;
namespace {

fs::path registrationsFile() { return fs::path(stateDirectory()) / "clients.json"; }

// The client's file parsed, or a ConfigSyntaxError that names the file.
std::unique_ptr<clients::ServerTable> openTable(const clients::ClientKind& client, const std::string& path, const std::string& text) {
  try {
    return clients::serverTable(client, text);
  } catch (const clients::ConfigSyntaxError& e) {
    throw clients::ConfigSyntaxError(path + ": " + e.what() + " (left unchanged)");
  }
}

bool listed(const clients::ServerTable& table, const std::string& server) {
  for (const auto& name : table.names())
    if (name == server) return true;
  return false;
}

}  // namespace

ClientRegistrations ClientRegistrations::load() {
  ClientRegistrations state;
  auto text = clients::readConfigFile(registrationsFile().string());
  if (!text) return state;
  json::Value v = json::parse(*text);
  if (const json::Value* registered = v.find("registered"); registered && registered->isArray())
    for (const auto& name : registered->items()) state.registered.insert(name.asString());
  if (const json::Value* written = v.find("written"); written && written->isObject())
    for (const auto& [client, servers] : written->members())
      for (const auto& server : servers.items()) state.written[client].insert(server.asString());
  return state;
}

void ClientRegistrations::save() const {
  json::Value v = json::Value::makeObject();
  json::Value registeredList = json::Value::makeArray();
  for (const auto& name : registered) registeredList.mutableItems().push_back(json::Value::makeString(name));
  json::Value writtenMap = json::Value::makeObject();
  for (const auto& [client, servers] : written) {
    if (servers.empty()) continue;
    json::Value list = json::Value::makeArray();
    for (const auto& server : servers) list.mutableItems().push_back(json::Value::makeString(server));
    writtenMap.mutableMembers()[client] = list;
  }
  v.mutableMembers()["registered"] = registeredList;
  v.mutableMembers()["written"] = writtenMap;
  fs::create_directories(stateDirectory());
  clients::replaceConfigFile(registrationsFile().string(), json::write(v) + "\n");
}

bool writeClientEntry(const clients::ClientKind& client, const std::string& server, const std::string& url, ClientRegistrations& state) {
  const std::string path = clients::configPath(client);
  const std::string text = clients::readConfigFile(path).value_or("");
  auto table = openTable(client, path, text);
  if (listed(*table, server) && !state.written[client.name].count(server))
    throw std::runtime_error(path + " already lists a server named " + server + " that moat did not add; left alone (run the workload under another --name)");
  const std::string updated = table->upsert(server, client.entry(server, url));
  state.written[client.name].insert(server);
  if (updated == text) return false;
  clients::replaceConfigFile(path, updated);
  return true;
}

bool removeClientEntry(const clients::ClientKind& client, const std::string& server, ClientRegistrations& state) {
  if (!state.written[client.name].count(server)) return false;
  const std::string path = clients::configPath(client);
  auto text = clients::readConfigFile(path);
  bool changed = false;
  if (text) {
    const std::string updated = openTable(client, path, *text)->remove(server);
    changed = updated != *text;
    if (changed) clients::replaceConfigFile(path, updated);
  }
  state.written[client.name].erase(server);
  return changed;
}

void publishToClients(const std::string& server, const std::string& url) {
  try {
    ClientRegistrations state = ClientRegistrations::load();
    if (state.registered.empty()) return;
    for (const auto& name : state.registered) {
      const clients::ClientKind* client = clients::findClient(name);
      if (!client) continue;
      try {
        if (writeClientEntry(*client, server, url, state))
          std::fprintf(stderr, "moat: added %s to %s (%s)\n", server.c_str(), name.c_str(), clients::configPath(*client).c_str());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "moat: %s not configured: %s\n", name.c_str(), e.what());
      }
    }
    state.save();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moat: the MCP clients were not updated: %s\n", e.what());
  }
}

void withdrawFromClients(const std::string& server) {
  try {
    ClientRegistrations state = ClientRegistrations::load();
    bool written = false;
    for (const auto& [client, servers] : state.written) written = written || servers.count(server);
    if (!written) return;  // nothing of it in any client: no file to touch
    for (const auto& kind : clients::clientKinds()) {
      try {
        if (removeClientEntry(kind, server, state))
          std::fprintf(stderr, "moat: removed %s from %s (%s)\n", server.c_str(), kind.name.c_str(), clients::configPath(kind).c_str());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "moat: %s not updated: %s\n", kind.name.c_str(), e.what());
      }
    }
    state.save();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moat: the MCP clients were not updated: %s\n", e.what());
  }
}

}  // namespace moat::cli
