// authz-http: decisions from an external policy decision point over HTTP, in ToolHive's PORC
// shape or Open Policy Agent's Data API. Fails closed: a decision point that is down, slow past
// the timeout, or answering anything but a decision denies (the host answers 403). Decisions are
// cached by their exact inputs for a short TTL.
#pragma once

#include "PdpSettings.h"
#include "authz/DecisionCache.h"
#include "moat/plugin.hpp"

namespace moat::pdp {

class HttpAuthorizer : public Authorizer {
 public:
  HttpAuthorizer(const Host& host, const json::Value& config);
  Decision authorize(Request& request, const AuthzQuery& query) override;

 private:
  bool ask(const std::string& body);

  Host host_;
  Settings settings_;
  std::string decisionUrl_;
  authz::DecisionCache cache_;
};

}  // namespace moat::pdp
