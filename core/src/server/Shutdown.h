// Process-wide shutdown flag: long-lived streams watch it so SIGTERM ends them promptly.
#pragma once

namespace moat::gateway::shutdown {

void request();
bool requested();

// A descriptor that turns readable, and stays so, once shutdown is requested: a stream waiting
// in poll(2) includes it instead of waking up periodically to look at the flag.
int wakeFd();

}  // namespace moat::gateway::shutdown
