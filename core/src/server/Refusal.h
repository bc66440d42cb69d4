// The answer the gateway gives a connection it refuses before any handler runs (a limit
// reached, a head that did not arrive in time): a whole HTTP/1.1 response with a JSON-RPC error
// and Connection: close, the same whether the reactor or a worker sends it.
#pragma once

#include <string>

namespace moat::gateway {

std::string refusalText(int status, const char* reason, int rpcCode, const std::string& message, bool retryAfter);

}  // namespace moat::gateway
