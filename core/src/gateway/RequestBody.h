// Reads a request's body into ctx.body, within the listener's limit and deadline.
#pragma once

#include <cstddef>

#include "server/Exchange.h"

namespace moat::gateway {

// False when the client has been answered instead: 413 over `limit`, 408 past the body
// deadline, 400 for a body cut short. A request other than POST has its body left unread.
bool readRequestBody(Exchange& exchange, size_t limit);

}  // namespace moat::gateway
