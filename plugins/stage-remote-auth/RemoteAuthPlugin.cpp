// stage-remote-auth: logs the developer in to the remote MCP server's authorization server
// (OAuth 2.1 authorization code + PKCE) and sends each upstream request with their token.
#include "RemoteAuthStage.h"

MOAT_FILTER_PLUGIN(MOAT_KIND_STAGE, "stage-remote-auth", "0.1.0",
                   "logs the developer in (OAuth authorization code + PKCE, discovery, dynamic registration) and forwards with their tokens",
                   moat::remoteauth::RemoteAuthStage)
