// The delegation chain an exchanged token carries (RFC 8693 §4.1): its `act` claim names the
// current actor, whose own `act` names the one before, and so on. Read without checking the
// signature: the token came straight from the IdP over TLS, and the chain is only recorded for
// the audit trail, never used to decide anything.
#pragma once

#include <string>
#include <string_view>

namespace moat::exchange {

// The actors' `sub`s as a JSON array, outermost first; "" when the token is not a JWT or has
// no `act`. At most 8 actors are followed.
std::string delegationChain(std::string_view token);

}  // namespace moat::exchange
