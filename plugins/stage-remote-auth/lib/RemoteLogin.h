// The developer's login to the authorization server that guards a remote MCP server: found by
// discovery (or given), a client (given, or registered dynamically), authorization code + PKCE
// S256 with the RFC 8707 resource and the RFC 9207 iss check on a local callback, then tokens:
// the access and ID tokens in memory, the refresh token sealed on disk. Refreshed before expiry;
// a refresh the server refuses starts a new login in the background (requests meanwhile get a
// clear error) instead of wedging the proxy.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "oauth/Discovery.h"
#include "RemoteAuthSettings.h"
#include "TokenStore.h"
#include "moat/plugin.hpp"

namespace moat::remoteauth {

class LoginRequired : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RemoteLogin {
 public:
  RemoteLogin(Host host, RemoteAuthSettings settings);
  ~RemoteLogin();

  // At start: the saved login is refreshed, else the user logs in now. Throws on failure.
  void signIn();

  struct Tokens {
    std::string accessToken;
    std::string idToken;
  };
  // Valid tokens, refreshed first when the access token expires within the skew. Throws
  // LoginRequired while a new login is pending.
  Tokens current();
  // The upstream refused this access token (401): the next request refreshes.
  void rejected(const std::string& accessToken);
  // The upstream wants more scope (403 insufficient_scope): starts a login with the union of the
  // scopes held and `scope` (or joins the one under way) and waits up to step_up_timeout for
  // it. True: new tokens are in place. False, with the reason in `why`: no login was started
  // (max_scope_step_ups reached) or it did not complete in time.
  bool stepUp(const std::string& scope, std::string& why);

 private:
  void discover();                                // fills server_ once
  void registerClient(const std::string& redirectUri);
  void interactiveLogin(std::vector<std::string> scopes);
  bool refreshLocked();  // with mutex_ held; false: the server refused the refresh token
  void acceptTokens(const std::string& body, const std::string& previousRefreshToken);
  void startBackgroundLogin(const std::string& why);
  std::vector<std::string> requestedScopes() const;
  std::string tokenRequest(const std::string& form, int& status);

  Host host_;
  RemoteAuthSettings settings_;
  TokenStore store_;
  oidc::ServerMetadata server_;
  bool discovered_ = false;
  std::vector<std::string> discoveredScopes_;
  std::string clientId_, clientSecret_;
  std::string clientAuthMethod_;  // client_secret_basic or client_secret_post (with a secret)

  std::mutex mutex_;
  std::condition_variable changed_;
  std::string accessToken_, idToken_, refreshToken_;
  int64_t expiresAtMs_ = 0;  // 0: unknown
  int64_t issuedAtMs_ = 0;
  std::vector<std::string> grantedScopes_;
  int stepUps_ = 0;
  uint64_t logins_ = 0;  // completed interactive logins, so a waiter knows a new one finished
  bool loginRunning_ = false;
  std::string loginProblem_;
  std::thread loginThread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace moat::remoteauth
