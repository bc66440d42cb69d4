// authz-cedar: who may call which tool, get which prompt and read which resource, decided by
// Cedar policies (the cedar-policy crate, Cedar's reference implementation) in ToolHive's
// entity model, so ToolHive users' policy files run unchanged. Default deny; forbid wins; a
// policy that errs on a request fails the decision, which the host denies.
#pragma once

#include "CedarEngine.h"
#include "CedarSettings.h"
#include "authz/DecisionCache.h"
#include "moat/plugin.hpp"

namespace moat::cedar {

class CedarAuthorizer : public Authorizer {
 public:
  // Throws when a setting is wrong or a policy does not parse (naming source, line, column).
  CedarAuthorizer(const Host& host, const json::Value& config);
  Decision authorize(Request& request, const AuthzQuery& query) override;

 private:
  Host host_;
  Settings settings_;
  Engine engine_;
  // No policy reads an argument (no arg_ in any policy): arguments are neither sent to Cedar
  // nor part of the cache key, so calls that differ only in arguments share a decision.
  bool argumentsMatter_;
  authz::DecisionCache cache_;
};

}  // namespace moat::cedar
