#include "RemoteAuthStage.h"

#include "ResourceDiscovery.h"

namespace moat::remoteauth {

RemoteAuthStage::RemoteAuthStage(const Host& host, const json::Value& config)
    : host_(host), inject_(true), login_(host, [&] {
        RemoteAuthSettings settings = readRemoteAuthSettings(host, config);
        inject_ = settings.injectAuthorization;
        return settings;
      }()) {
  login_.signIn();
}

Status RemoteAuthStage::onRequest(Request& request) {
  RemoteLogin::Tokens tokens;
  try {
    tokens = login_.current();
  } catch (const LoginRequired& e) {
    return request.replyRpcError(503, jsonrpc::kLoginRequired, e.what(), {{"Retry-After", "5"}});
  }
  if (inject_) request.setHeader("Authorization", "Bearer " + tokens.accessToken);
  request.setCredential("remote_auth_access_token", tokens.accessToken);
  if (!tokens.idToken.empty()) request.setCredential("remote_auth_id_token", tokens.idToken);
  return Status::Continue;
}

Status RemoteAuthStage::onResponse(Request& request) {
  uint16_t status = request.responseStatus();
  if (status != 401 && status != 403) return Status::Continue;
  std::string challenge(request.responseHeader("WWW-Authenticate").value_or(""));
  BearerChallenge parsed = parseBearerChallenge(challenge);
  if (status == 401) {
    if (auto sent = request.credential("remote_auth_access_token")) login_.rejected(std::string(*sent));
  }
  // The upstream's challenge names its own authorization server: Moat is the one that logs in,
  // so the client must not start a flow of its own.
  request.removeResponseHeader("WWW-Authenticate");
  if (status == 403 && parsed.error == "insufficient_scope") return stepUp(request, parsed.scope);
  return Status::Continue;
}

// The request waits for a login with more scope and is sent again once; the client sees one
// answer, as if the token had had the scope from the start.
Status RemoteAuthStage::stepUp(Request& request, const std::string& scope) {
  constexpr std::string_view kMarker = "remote_auth_stepped_up";
  auto refuse = [&](const std::string& why) {
    host_.warn("answering 403 to the client: " + why);
    return request.replyRpcError(403, jsonrpc::kForbidden, why);
  };
  if (scope.empty()) return refuse("the MCP server refused the request for insufficient scope without naming the scope it needs");
  if (request.credential(kMarker))
    return refuse("the MCP server still asks for scope '" + scope + "' after a new login that asked for it; the authorization server did not grant it");
  std::string why;
  if (!login_.stepUp(scope, why)) return refuse("the MCP server needs scope '" + scope + "': " + why);
  request.setCredential(kMarker, "1");
  return Status::Retry;
}

}  // namespace moat::remoteauth
