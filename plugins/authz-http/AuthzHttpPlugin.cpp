#include "HttpAuthorizer.h"

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHORIZER, "authz-http", "0.1.0",
                   "Authorizes tool calls, prompts and resources at an external decision point (ToolHive's PORC or OPA)",
                   moat::pdp::HttpAuthorizer)
