// Serving 2026-07-28 clients (stateless: no initialize, no session) from a server of the
// 2025-11-25 revision that the stdio bridge initialized itself.
#pragma once

#include <string>
#include <string_view>

#include "moat/json.hpp"
#include "server/Exchange.h"

namespace moat::gateway {

inline constexpr std::string_view kStatelessRevision = "2026-07-28";

// Adds the fields a 2026-07-28 result carries that a 2025-11-25 server does not write.
void add2026Fields(const std::string& method, json::Value& result);
// What the 2026-07-28 revision requires of a request's headers (Mcp-Method always, Mcp-Name when
// present), checked as a server would; "" when they agree with the body.
std::string headerProblem(const Exchange& exchange, const json::Value& message);
// The server/discover result, built from the process's initialize result.
json::Value discoverResult(const json::Value& initializeResult);

}  // namespace moat::gateway
