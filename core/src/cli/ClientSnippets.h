// The lines `moat run` prints so a user can paste the server into their MCP client.
#pragma once

#include <string>

namespace moat::cli {

std::string clientSnippets(const std::string& name, const std::string& url);

}  // namespace moat::cli
