#include "CedarAuthorizer.h"

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHORIZER, "authz-cedar", "0.1.0",
                   "Authorizes tool calls, prompts and resources with Cedar policies (ToolHive's model)", moat::cedar::CedarAuthorizer)
