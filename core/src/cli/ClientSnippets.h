// The lines `moat run` prints so a user can paste the server into their MCP client.
#pragma once

#include <string>

namespace moat::cli {

// `authorization`, when given, is the Authorization header value clients must send (with a
// placeholder for the secret part).
std::string clientSnippets(const std::string& name, const std::string& url, const std::string& authorization = "");

}  // namespace moat::cli
