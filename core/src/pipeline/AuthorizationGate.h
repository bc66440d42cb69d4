// What an authorizer is asked about one request, read from its JSON-RPC message by the host so
// that every authorizer sees the same question: the feature and operation the method acts with,
// its target, its arguments and the tool's annotations. Methods the map does not name are
// refused: a new MCP method is denied until someone decides what it acts on.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "moat/json.hpp"
#include "plugin/RequestContext.h"

namespace moat::core {

struct AuthzQuestion {
  std::string feature;    // tool, prompt, resource
  std::string operation;  // call, get, read
  std::string target;
  std::string argumentsJson = "{}";
  std::string annotationsJson = "{}";
};

// How the gate treats a request.
struct AuthzPlan {
  enum class Kind {
    Open,     // protocol-level (initialize, ping, notifications, a client's response): allowed
    Ask,      // ask the authorizers `question`
    List,     // a list: allowed, and its answer filtered item by item
    Refused,  // denied without asking: `reason` says why (an unmapped method, a batch, garbage)
  } kind = Kind::Open;
  AuthzQuestion question;
  std::string reason;
};

AuthzPlan planAuthorization(RequestContext& request);

// Whether `object` has a member whose name differs from one of `keys` only in case: a server
// whose JSON decoder ignores case (Go's) reads it where an exact reader does not.
bool hasCaseVariant(const json::Value& object, std::initializer_list<std::string_view> keys);

// The question for one item of a list answer: {feature, operation} a list method's items take.
// Empty feature for a method that is not a list.
std::pair<std::string_view, std::string_view> listItemAccess(std::string_view listMethod);

}  // namespace moat::core
