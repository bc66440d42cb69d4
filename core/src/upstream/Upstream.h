// How a route reaches its MCP server. One implementation per upstream transport.
#pragma once

#include <string>

#include "server/Exchange.h"

namespace moat::gateway {

class Upstream {
 public:
  virtual ~Upstream() = default;
  // Sends the request as the pipeline left it and streams the answer to the client. Always
  // answers the client: with the upstream's response or with a JSON-RPC error.
  virtual void forward(Exchange& exchange) = 0;
  // Called once when the gateway stops: wake anything waiting on the upstream.
  virtual void shutdown() {}
  // A JSON object for /healthz ({"state":"up",...}), or "" when the upstream keeps no state
  // worth reporting. "failed" makes /healthz answer 503.
  virtual std::string health() const { return {}; }
  // True when this process alone can serve the upstream's sessions (they live in its processes,
  // containers or upstream streams): another replica forwards their requests here.
  virtual bool sessionsLiveHere() const { return false; }
};

}  // namespace moat::gateway
