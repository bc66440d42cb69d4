// What /healthz and /readyz answer for one configuration. Liveness fails only when a server's
// upstream has given up (restarts exhausted): restarting the gateway may help. Readiness also
// fails while an upstream is starting or restarting, and before the listener is up, so an
// orchestrator sends traffic only to a gateway that can serve it.
#pragma once

#include <string>

#include "gateway/Router.h"

namespace moat::gateway {

struct HealthReport {
  int status = 200;
  std::string body;  // JSON
};

HealthReport liveness(const Router& router);
HealthReport readiness(const Router& router, bool listening);

}  // namespace moat::gateway
