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
  } else if (parsed.error == "insufficient_scope" && !parsed.scope.empty()) {
    login_.stepUp(parsed.scope);
  }
  // The upstream's challenge names its own authorization server: Moat is the one that logs in,
  // so the client must not start a flow of its own.
  request.removeResponseHeader("WWW-Authenticate");
  return Status::Continue;
}

}  // namespace moat::remoteauth
