#include "cli/ClientSnippets.h"

#include "moat/json.hpp"

namespace moat::cli {

std::string clientSnippets(const std::string& name, const std::string& url) {
  const std::string n = json::quote(name), u = json::quote(url);
  return "moat: " + name + " is served at " + url + "\n" +
         "  VS Code (.vscode/mcp.json): {\"servers\": {" + n + ": {\"type\": \"http\", \"url\": " + u + "}}}\n" +
         "  Claude Code:                claude mcp add --transport http " + name + " " + url + "\n" +
         "  Cursor (~/.cursor/mcp.json): {\"mcpServers\": {" + n + ": {\"url\": " + u + "}}}\n";
}

}  // namespace moat::cli
