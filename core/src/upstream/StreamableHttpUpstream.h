// Upstream over MCP's streamable HTTP transport: requests pass through as they are (headers,
// session ids, protocol-version headers); SSE and large responses stream back unbuffered, and a
// JSON answer of known length up to 1 MiB goes back whole, head and body in one piece.
#pragma once

#include <Poco/URI.h>

#include <functional>
#include <istream>
#include <memory>
#include <string>

#include "config/Config.h"
#include "upstream/Upstream.h"
#include "upstream/UpstreamSession.h"

namespace moat::gateway {

class StreamableHttpUpstream : public Upstream {
 public:
  // How a request that never reached the upstream is answered; without it, 502 with `reason`.
  using Unreachable = std::function<void(Exchange&, const std::string& reason)>;
  explicit StreamableHttpUpstream(const config::UpstreamConfig& config, Unreachable unreachable = {});
  void forward(Exchange& exchange) override;

 private:
  // Sends the request and reads the response head; nullptr when the client has been answered
  // with an error instead.
  std::istream* send(Exchange& exchange, UpstreamResponse& in, std::unique_ptr<UpstreamSession>& session);
  void answerCutStream(Exchange& exchange, std::ostream& client);
  void forwardWhole(Exchange& exchange, const UpstreamResponse& in, std::istream& body, size_t length,
                    std::unique_ptr<UpstreamSession> session);

  Poco::URI target_;
  config::UpstreamConfig config_;
  UpstreamPool pool_;
  Unreachable unreachable_;
};

}  // namespace moat::gateway
