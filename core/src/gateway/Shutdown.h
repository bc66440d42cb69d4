// Process-wide shutdown flag: long-lived streams poll it so SIGTERM ends them promptly.
#pragma once

namespace moat::gateway::shutdown {

void request();
bool requested();

}  // namespace moat::gateway::shutdown
