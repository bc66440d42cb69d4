#include "clients/ClientCatalogue.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace moat::clients {
namespace fs = std::filesystem;
namespace {

Fields typedHttp(const std::string&, const std::string& url) { return {{"type", std::string("http")}, {"url", url}}; }
Fields urlOnly(const std::string&, const std::string& url) { return {{"url", url}}; }
Fields windsurf(const std::string&, const std::string& url) { return {{"serverUrl", url}}; }
Fields cline(const std::string&, const std::string& url) { return {{"type", std::string("streamableHttp")}, {"url", url}, {"disabled", false}}; }
// Claude Desktop's file takes only commands; mcp-remote bridges stdio to the URL and runs the
// OAuth flow itself.
Fields claudeDesktop(const std::string&, const std::string& url) {
  return {{"command", std::string("npx")}, {"args", std::vector<std::string>{"-y", "mcp-remote", url}}};
}
Fields goose(const std::string& name, const std::string& url) {
  return {{"name", name}, {"type", std::string("streamable_http")}, {"uri", url}, {"enabled", true}, {"timeout", 300L}};
}
Fields continueDev(const std::string& name, const std::string& url) {
  return {{"name", name}, {"type", std::string("streamable-http")}, {"url", url}};
}

std::string home() {
  const char* value = std::getenv("HOME");
  if (!value || !*value) throw std::runtime_error("HOME is not set; moat cannot find the clients' configuration files");
  return value;
}

std::string xdgConfig() {
  const char* value = std::getenv("XDG_CONFIG_HOME");
  return value && *value ? value : home() + "/.config";
}

}  // namespace

const std::vector<ClientKind>& clientKinds() {
  static const std::vector<ClientKind> kinds = {
      {"vscode", "Visual Studio Code (user mcp.json)", "config:Code/User/mcp.json", "servers", Storage::JsoncMap, typedHttp},
      {"cursor", "Cursor", "~/.cursor/mcp.json", "mcpServers", Storage::JsoncMap, urlOnly},
      {"claude-code", "Claude Code CLI", "~/.claude.json", "mcpServers", Storage::JsoncMap, typedHttp},
      {"claude-desktop", "Claude Desktop (through mcp-remote)", "config:Claude/claude_desktop_config.json", "mcpServers", Storage::JsoncMap, claudeDesktop},
      {"windsurf", "Windsurf", "~/.codeium/windsurf/mcp_config.json", "mcpServers", Storage::JsoncMap, windsurf},
      {"zed", "Zed (settings.json)", "xdg:zed/settings.json", "context_servers", Storage::JsoncMap, urlOnly},
      {"cline", "Cline (VS Code extension)", "config:Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json", "mcpServers", Storage::JsoncMap, cline},
      {"goose", "Goose", "xdg:goose/config.yaml", "extensions", Storage::YamlMap, goose},
      {"continue", "Continue", "~/.continue/config.yaml", "mcpServers", Storage::YamlList, continueDev},
      {"codex", "OpenAI Codex CLI", "~/.codex/config.toml", "mcp_servers", Storage::TomlTables, urlOnly},
  };
  return kinds;
}

const ClientKind* findClient(const std::string& name) {
  for (const auto& kind : clientKinds())
    if (kind.name == name) return &kind;
  return nullptr;
}

std::string configPath(const ClientKind& client) {
  const std::string& location = client.location;
  if (location.rfind("~/", 0) == 0) return home() + location.substr(1);
  if (location.rfind("xdg:", 0) == 0) return xdgConfig() + "/" + location.substr(4);
#ifdef __APPLE__
  return home() + "/Library/Application Support/" + location.substr(7);
#else
  return xdgConfig() + "/" + location.substr(7);
#endif
}

bool clientDetected(const ClientKind& client) {
  std::error_code ignored;
  fs::path file = configPath(client);
  // A file directly in the home directory (~/.claude.json) says nothing by its folder.
  const bool folderSays = file.parent_path() != fs::path(home()) && fs::is_directory(file.parent_path(), ignored);
  return fs::exists(file, ignored) || folderSays || (client.name == "claude-code" && fs::is_directory(home() + "/.claude", ignored));
}

std::unique_ptr<ServerTable> serverTable(const ClientKind& client, std::string text) {
  switch (client.storage) {
    case Storage::JsoncMap: return jsoncServerTable(std::move(text), client.container);
    case Storage::YamlMap: return yamlMapServerTable(std::move(text), client.container);
    case Storage::YamlList: return yamlListServerTable(std::move(text), client.container, "name");
    case Storage::TomlTables: return tomlServerTable(std::move(text), client.container);
  }
  throw std::logic_error("unknown storage");
}

const char* storageName(Storage storage) {
  switch (storage) {
    case Storage::JsoncMap: return "json";
    case Storage::YamlMap:
    case Storage::YamlList: return "yaml";
    case Storage::TomlTables: return "toml";
  }
  return "?";
}

}  // namespace moat::clients
