#include "cli/ClientSnippets.h"

#include "moat/json.hpp"

namespace moat::cli {

std::string clientSnippets(const std::string& name, const std::string& url, const std::string& authorization) {
  const std::string n = json::quote(name), u = json::quote(url);
  const std::string headers = authorization.empty() ? "" : ", \"headers\": {\"Authorization\": " + json::quote(authorization) + "}";
  const std::string claudeHeader = authorization.empty() ? "" : " --header \"Authorization: " + authorization + "\"";
  return "moat: " + name + " is served at " + url + "\n" +
         "  VS Code (.vscode/mcp.json): {\"servers\": {" + n + ": {\"type\": \"http\", \"url\": " + u + headers + "}}}\n" +
         "  Claude Code:                claude mcp add --transport http " + name + " " + url + claudeHeader + "\n" +
         "  Cursor (~/.cursor/mcp.json): {\"mcpServers\": {" + n + ": {\"url\": " + u + headers + "}}}\n";
}

}  // namespace moat::cli
