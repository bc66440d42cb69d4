// stage-audit: one NDJSON event per request the route receives, written when its answer has
// gone (on_complete), so refusals by earlier stages and gateway errors are audited as well as
// successes. On a write failure it either drops events, counting them (on_failure: drop), or
// refuses requests with 503 until an event can be written again (on_failure: fail_closed).
#pragma once

#include <memory>

#include "AuditEvent.h"
#include "AuditLog.h"
#include "ClientDirectory.h"
#include "moat/plugin.hpp"

namespace moat::audit {

class AuditStage : public Filter {
 public:
  AuditStage(const Host& host, const json::Value& config);
  Status onRequest(Request& request) override;
  void onComplete(Request& request, const Completion& done) override;

 private:
  void rememberClient(Request& request, const Completion& done, EventFacts& facts);

  Host host_;
  PayloadSettings payload_;
  bool failClosed_ = false;
  std::unique_ptr<AuditLog> log_;
  ClientDirectory clients_;
};

}  // namespace moat::audit
