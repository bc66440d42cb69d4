#include "metrics/Catalogue.h"

namespace moat::metrics {

void describeCatalogue() {
  describe(kRequests, "MCP requests answered, by route, MCP method (GET and DELETE for streams and session ends) and HTTP status.");
  describe(kRequestDuration, "Time from a request's arrival to the end of its answer, in seconds; GET streams are not observed.");
  describe(kToolCalls, "tools/call requests by tool and outcome (success, error: the tool or server answered with an error, "
                       "denied: 401 or 403, failure: the gateway or upstream could not answer).");
  describe(kAuthenticationFailures, "Requests an authenticator refused, by reason (missing_token, invalid_token, insufficient_scope, "
                                    "invalid_request, unavailable, other).");
  describe(kUpstreamErrors, "Requests the upstream could not answer, by kind (unreachable, timeout).");
  describe(kRuntimeRestarts, "Times a server's process or container was started again after it died.");
  describe(kPluginErrors, "Pipeline stages that failed (returned FAILED, threw, or broke the ABI), by plugin and instance.");
  describe(kStreamsOpen, "GET event streams open now.");
  describe(kSessionsActive, "MCP sessions the gateway saw opened and not yet ended or idle past listen.session_idle_timeout.");
}

}  // namespace moat::metrics
