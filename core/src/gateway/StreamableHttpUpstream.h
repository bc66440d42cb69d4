// Upstream over MCP's streamable HTTP transport: requests pass through as they are (headers,
// session ids, protocol-version headers) and JSON or SSE responses stream back unbuffered.
#pragma once

#include <Poco/URI.h>

#include "config/Config.h"
#include "gateway/Upstream.h"
#include "gateway/UpstreamSession.h"

namespace moat::gateway {

class StreamableHttpUpstream : public Upstream {
 public:
  explicit StreamableHttpUpstream(const config::UpstreamConfig& config);
  void forward(Exchange& exchange) override;

 private:
  Poco::URI target_;
  config::UpstreamConfig config_;
  UpstreamPool pool_;
};

}  // namespace moat::gateway
