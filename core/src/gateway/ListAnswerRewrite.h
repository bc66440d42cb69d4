// How a route's list answers reach a caller: the tools' annotations are noted for later
// authorization questions in the session, the items the caller may not use are taken out (when
// the route has authorizers), and tools are renamed by the route's tool view.
#pragma once

#include <string>

#include "gateway/ToolAnnotations.h"
#include "gateway/ToolView.h"
#include "pipeline/Pipeline.h"

namespace moat::gateway {

struct ListAnswerRewrite {
  std::string method;                            // tools/list, prompts/list, resources/list, resources/templates/list
  core::RequestContext* request = nullptr;       // the caller's, for the authorizers
  const core::Pipeline* authorizers = nullptr;   // null: nothing taken out
  const ToolView* view = nullptr;                // null: no renames
  ToolAnnotations* annotations = nullptr;        // null: not noted
  std::string session;

  // One JSON-RPC message of the answer; false when it is not this list's answer.
  bool operator()(std::string& message) const;
};

}  // namespace moat::gateway
