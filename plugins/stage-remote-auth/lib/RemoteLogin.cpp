#include "RemoteLogin.h"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>
#include <stdexcept>

#include "crypto/Base64.h"
#include "CallbackServer.h"
#include "oauth/ClientAuthentication.h"
#include "LegacyDiscovery.h"
#include "Pkce.h"
#include "ResourceDiscovery.h"
#include "process/Subprocess.h"

namespace moat::remoteauth {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A JWT's exp in ms, or 0 when it is not a JWT or has none.
int64_t jwtExpiryMs(const std::string& token) {
  size_t first = token.find('.');
  size_t second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
  if (second == std::string::npos) return 0;
  auto payload = crypto::base64UrlDecode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!payload) return 0;
  try {
    const json::Value claims = json::parse(*payload);
    if (const json::Value* exp = claims.find("exp"); exp && exp->type() == json::Value::Type::Number) return static_cast<int64_t>(exp->asNumber() * 1000);
  } catch (const std::exception&) {
  }
  return 0;
}

void openBrowser(const std::string& url) {
  try {
    process::Spawned opener = process::spawn({{"xdg-open", url}, {}, process::SpawnOptions::Output::Discard});
    ::waitpid(opener.pid, nullptr, WNOHANG);
  } catch (const std::exception&) {
    // No opener on this machine: the URL is printed for the developer to open by hand.
  }
}

}  // namespace

RemoteLogin::RemoteLogin(Host host, RemoteAuthSettings settings)
    : host_(host), settings_(std::move(settings)), store_(settings_.tokenDirectory, settings_.name) {
  clientId_ = settings_.clientId;
  clientSecret_ = settings_.clientSecret;
}

RemoteLogin::~RemoteLogin() {
  stopping_ = true;  // a background login waiting for the browser gives up within 250 ms
  if (loginThread_.joinable()) loginThread_.join();
}

void RemoteLogin::discover() {
  if (discovered_) return;
  const auto timeout = static_cast<uint32_t>(settings_.timeoutMs);
  if (!settings_.authorizeUrl.empty()) {
    server_.authorizationEndpoint = settings_.authorizeUrl;
    server_.tokenEndpoint = settings_.tokenUrl;
    server_.issuer = settings_.issuer;
    host_.info("authorization server of " + settings_.name + ": the configured authorize and token URLs");
  } else if (!settings_.issuer.empty()) {
    oidc::requireSecureUrl(settings_.issuer, "the authorization server");
    server_ = oidc::discover(host_, settings_.issuer, timeout);
    host_.info("authorization server of " + settings_.name + ": " + server_.issuer + " (configured issuer)");
  } else {
    try {
      ProtectedResourceInfo resource = discoverProtectedResource(host_, settings_.resource, timeout);
      discoveredScopes_ = resource.challengeScope.empty() ? resource.scopesSupported : words(resource.challengeScope);
      oidc::requireSecureUrl(resource.authorizationServer, "the authorization server");
      server_ = oidc::discover(host_, resource.authorizationServer, timeout);
      host_.info("authorization server of " + settings_.name + ": " + server_.issuer + " (RFC 9728 protected-resource metadata)");
    } catch (const NoResourceMetadata&) {
      LegacyAuthorizationServer legacy = discoverLegacyAuthorizationServer(host_, settings_.resource, timeout);
      server_ = legacy.metadata;
      host_.info("authorization server of " + settings_.name + ": " +
                 (legacy.defaultEndpoints ? "the default endpoints /authorize, /token and /register at " + legacy.baseUrl +
                                                " (MCP 2025-03-26: the server publishes no metadata)"
                                          : server_.issuer + " (MCP 2025-03-26: RFC 8414 metadata at " + legacy.baseUrl +
                                                "; the server publishes no protected-resource metadata)"));
    }
  }
  if (settings_.authorizeUrl.empty()) {
    if (server_.authorizationEndpoint.empty() || server_.tokenEndpoint.empty())
      throw std::runtime_error(server_.issuer + " publishes no authorization_endpoint or token_endpoint");
    const auto& methods = server_.codeChallengeMethodsSupported;
    if (!methods.empty() && std::find(methods.begin(), methods.end(), "S256") == methods.end())
      throw std::runtime_error(server_.issuer + " does not support PKCE S256 (code_challenge_methods_supported), which MCP requires");
  }
  oidc::requireSecureUrl(server_.authorizationEndpoint, "authorization_endpoint");
  oidc::requireSecureUrl(server_.tokenEndpoint, "token_endpoint");
  discovered_ = true;
}

std::vector<std::string> RemoteLogin::requestedScopes() const {
  std::vector<std::string> scopes = !settings_.scopes.empty() ? settings_.scopes : discoveredScopes_;
  if (!grantedScopes_.empty())
    for (const auto& s : grantedScopes_)
      if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.push_back(s);
  return scopes;
}

void RemoteLogin::registerClient(const std::string& redirectUri) {
  if (!clientId_.empty()) return;
  // A Client ID Metadata Document: the URL is the client id, the server fetches the rest.
  if (server_.clientIdMetadataDocumentSupported && !settings_.clientMetadataUrl.empty()) {
    clientId_ = settings_.clientMetadataUrl;
    return;
  }
  if (server_.registrationEndpoint.empty())
    throw std::runtime_error(server_.issuer + " offers no dynamic client registration; register a client and give --remote-auth-client-id");
  oidc::requireSecureUrl(server_.registrationEndpoint, "registration_endpoint");
  std::string body = "{\"client_name\":" + json::quote("Moat (" + settings_.name + ")") + ",\"redirect_uris\":[" + json::quote(redirectUri) +
                     "],\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"],"
                     "\"token_endpoint_auth_method\":\"none\",\"application_type\":\"native\"}";
  Host::HttpResponse response = host_.fetch("POST", server_.registrationEndpoint, {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                                            body, static_cast<uint32_t>(settings_.timeoutMs));
  if (response.status != 201 && response.status != 200)
    throw std::runtime_error("dynamic client registration at " + server_.registrationEndpoint + " failed: HTTP " + std::to_string(response.status) +
                             " " + response.body.substr(0, 300));
  json::Value registered = json::parse(response.body);
  clientId_ = registered.stringOr("client_id", "");
  clientSecret_ = registered.stringOr("client_secret", "");
  clientAuthMethod_ = registered.stringOr("token_endpoint_auth_method", "");
  if (clientId_.empty()) throw std::runtime_error("dynamic client registration returned no client_id");
  host_.info("registered client " + clientId_ + " at " + server_.registrationEndpoint);
}

std::string RemoteLogin::tokenRequest(const std::string& form, int& status) {
  Headers headers{{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  std::string body = form;
  // client_secret_basic unless the registration or the server's metadata says post only.
  const auto& supported = server_.tokenEndpointAuthMethodsSupported;
  bool post = clientAuthMethod_ == "client_secret_post" ||
              (clientAuthMethod_.empty() && !supported.empty() &&
               std::find(supported.begin(), supported.end(), "client_secret_basic") == supported.end() &&
               std::find(supported.begin(), supported.end(), "client_secret_post") != supported.end());
  if (!clientSecret_.empty() && !post) headers.emplace_back("Authorization", oidc::basicAuthorization(clientId_, clientSecret_));
  else body += "&client_id=" + crypto::formUrlEncode(clientId_);
  if (!clientSecret_.empty() && post) body += "&client_secret=" + crypto::formUrlEncode(clientSecret_);
  Host::HttpResponse response = host_.fetch("POST", server_.tokenEndpoint, headers, body, static_cast<uint32_t>(settings_.timeoutMs));
  status = response.status;
  return response.body;
}

void RemoteLogin::acceptTokens(const std::string& body, const std::string& previousRefreshToken) {
  json::Value tokens = json::parse(body);
  std::string access = tokens.stringOr("access_token", "");
  if (access.empty()) throw std::runtime_error("the token response has no access_token");
  std::string type = tokens.stringOr("token_type", "Bearer");
  if (type != "Bearer" && type != "bearer") throw std::runtime_error("token_type " + type + " is not supported (only Bearer)");
  accessToken_ = access;
  if (auto id = tokens.stringOr("id_token", ""); !id.empty()) idToken_ = id;
  refreshToken_ = tokens.stringOr("refresh_token", previousRefreshToken);  // kept when not rotated
  expiresAtMs_ = 0;
  issuedAtMs_ = host_.nowUnixMs();
  if (const json::Value* expiresIn = tokens.find("expires_in"); expiresIn && expiresIn->type() == json::Value::Type::Number)
    expiresAtMs_ = host_.nowUnixMs() + static_cast<int64_t>(expiresIn->asNumber() * 1000);
  else expiresAtMs_ = jwtExpiryMs(access);
  if (auto scope = tokens.stringOr("scope", ""); !scope.empty()) grantedScopes_ = words(scope);
  if (!refreshToken_.empty()) {
    try {
      store_.save({refreshToken_, clientId_, clientSecret_, server_.issuer, joined(grantedScopes_)});
    } catch (const std::exception& e) {
      host_.warn(std::string("the refresh token could not be saved (the next start logs in again): ") + e.what());
    }
  }
  changed_.notify_all();
}

void RemoteLogin::interactiveLogin(std::vector<std::string> scopes) {
  CallbackServer callback(settings_.callbackPort);
  {
    std::lock_guard lock(mutex_);
    discover();
    registerClient(callback.redirectUri());
    // Discovery may just have learnt what the resource asks for (its challenge or metadata).
    if (scopes.empty()) scopes = requestedScopes();
  }
  const std::string verifier = randomUrlSafe(32);
  const std::string state = randomUrlSafe(16);
  std::string url = server_.authorizationEndpoint + (server_.authorizationEndpoint.find('?') == std::string::npos ? "?" : "&") +
                    "response_type=code&client_id=" + crypto::formUrlEncode(clientId_) + "&redirect_uri=" + crypto::formUrlEncode(callback.redirectUri()) +
                    "&state=" + state + "&code_challenge=" + codeChallengeS256(verifier) + "&code_challenge_method=S256&resource=" +
                    crypto::formUrlEncode(settings_.resource);
  if (!scopes.empty()) url += "&scope=" + crypto::formUrlEncode(joined(scopes));
  // OpenID Connect Core §11: offline_access (a refresh token) is granted only with consent.
  if (std::find(scopes.begin(), scopes.end(), "offline_access") != scopes.end()) url += "&prompt=consent";
  // The URL goes to the terminal, not the log: a log shipper has no business with it.
  std::fprintf(stderr, "moat: log in to %s in your browser:\n  %s\n", settings_.name.c_str(), url.c_str());
  std::fflush(stderr);
  if (settings_.openBrowser) openBrowser(url);
  QueryParameters params = callback.waitForCallback(state, settings_.loginTimeoutMs, stopping_);
  if (params.count("error"))
    throw std::runtime_error("the authorization server refused the login: " + params["error"] +
                             (params.count("error_description") ? " (" + params["error_description"] + ")" : ""));
  // RFC 9207: a response from another issuer is a mix-up attack, whatever its code.
  if (params.count("iss") ? params["iss"] != server_.issuer : server_.issParameterSupported)
    throw std::runtime_error("the login response names issuer '" + params["iss"] + "', not '" + server_.issuer + "' (RFC 9207); refused");
  if (params["code"].empty()) throw std::runtime_error("the login response has no code");
  int status = 0;
  std::string body = tokenRequest("grant_type=authorization_code&code=" + crypto::formUrlEncode(params["code"]) + "&redirect_uri=" +
                                      crypto::formUrlEncode(callback.redirectUri()) + "&code_verifier=" + verifier +
                                      "&resource=" + crypto::formUrlEncode(settings_.resource),
                                  status);
  if (status != 200) throw std::runtime_error("the code exchange failed: HTTP " + std::to_string(status) + " " + body.substr(0, 300));
  std::lock_guard lock(mutex_);
  acceptTokens(body, {});
  ++logins_;
  host_.info("logged in to " + settings_.name + " (" + server_.issuer + ")");
}

bool RemoteLogin::refreshLocked() {
  if (refreshToken_.empty()) return false;
  int status = 0;
  std::string body = tokenRequest("grant_type=refresh_token&refresh_token=" + crypto::formUrlEncode(refreshToken_) +
                                      "&resource=" + crypto::formUrlEncode(settings_.resource),
                                  status);
  if (status == 200) {
    acceptTokens(body, refreshToken_);
    host_.info("refreshed the access token for " + settings_.name);
    return true;
  }
  std::string error;
  try {
    error = json::parse(body).stringOr("error", "");
  } catch (const std::exception&) {
  }
  if (status == 400 || status == 401) {
    host_.warn("the authorization server refused the refresh token for " + settings_.name + " (" + (error.empty() ? "HTTP " + std::to_string(status) : error) +
               "); a new login is needed");
    refreshToken_.clear();
    store_.forget();
    // A client the server no longer knows was registered by us: register again at the login.
    if (error == "invalid_client" && settings_.clientId.empty()) {
      clientId_.clear();
      clientSecret_.clear();
    }
    return false;
  }
  throw std::runtime_error("refreshing the token failed: HTTP " + std::to_string(status));
}

void RemoteLogin::signIn() {
  if (auto saved = store_.load()) {
    std::unique_lock lock(mutex_);
    try {
      discover();
      if (clientId_.empty() || clientId_ == saved->clientId) {
        clientId_ = saved->clientId;
        if (clientSecret_.empty()) clientSecret_ = saved->clientSecret;
        refreshToken_ = saved->refreshToken;
        grantedScopes_ = words(saved->scope);
        if (refreshLocked()) return;
      }
    } catch (const std::exception& e) {
      host_.warn(std::string("the saved login could not be used: ") + e.what());
    }
  }
  interactiveLogin(requestedScopes());
}

void RemoteLogin::startBackgroundLogin(const std::string& why) {
  if (loginRunning_ || stopping_) return;
  loginRunning_ = true;
  loginProblem_ = why;
  if (loginThread_.joinable()) loginThread_.join();
  std::vector<std::string> scopes = requestedScopes();
  loginThread_ = std::thread([this, scopes] {
    std::string failure;
    try {
      interactiveLogin(scopes);
    } catch (const std::exception& e) {
      failure = e.what();
      host_.error("login for " + settings_.name + " failed: " + failure);
    }
    std::lock_guard lock(mutex_);
    loginRunning_ = false;
    loginProblem_ = failure.empty() ? "" : "the last login failed (" + failure + "); the next request starts another";
    changed_.notify_all();
  });
}

RemoteLogin::Tokens RemoteLogin::current() {
  std::unique_lock lock(mutex_);
  if (loginRunning_) throw LoginRequired("waiting for you to log in to " + settings_.name + " (the URL is in moat's terminal)");
  // Refreshed ahead of expiry by the skew, at most half its lifetime; without a refresh token
  // it is used until it expires.
  const int64_t now = host_.nowUnixMs();
  const int64_t skew = refreshToken_.empty() ? 0 : std::min(settings_.refreshSkewMs, (expiresAtMs_ - issuedAtMs_) / 2);
  bool fresh = !accessToken_.empty() && (expiresAtMs_ == 0 || now + skew < expiresAtMs_);
  if (!fresh) {
    bool refreshed = false;
    try {
      refreshed = refreshLocked();
    } catch (const std::exception& e) {
      if (accessToken_.empty() || (expiresAtMs_ && host_.nowUnixMs() >= expiresAtMs_)) throw LoginRequired(e.what());
      host_.warn(std::string("refresh failed, using the current token until it expires: ") + e.what());
      refreshed = true;
    }
    if (!refreshed) {
      accessToken_.clear();
      startBackgroundLogin("the login expired");
      throw LoginRequired("the login to " + settings_.name + " expired; log in again with the URL in moat's terminal");
    }
  }
  return {accessToken_, idToken_};
}

void RemoteLogin::rejected(const std::string& accessToken) {
  std::lock_guard lock(mutex_);
  if (accessToken == accessToken_) expiresAtMs_ = 1;  // stale: the next request refreshes
}

bool RemoteLogin::stepUp(const std::string& scope, std::string& why) {
  std::unique_lock lock(mutex_);
  const uint64_t loginsBefore = logins_;
  if (!loginRunning_) {
    if (stepUps_ >= settings_.maxScopeStepUps) {
      why = "moat already logged in again " + std::to_string(stepUps_) + " times for more scope (max_scope_step_ups)";
      host_.warn("the upstream asks for scope '" + scope + "'; not logging in again: " + why);
      return false;
    }
    ++stepUps_;
    for (const auto& s : words(scope))
      if (std::find(grantedScopes_.begin(), grantedScopes_.end(), s) == grantedScopes_.end()) grantedScopes_.push_back(s);
    accessToken_.clear();
    host_.info("the upstream asks for scope '" + scope + "': logging in again with it, holding the request for up to " +
               std::to_string(settings_.stepUpTimeoutMs / 1000) + " s");
    startBackgroundLogin("more scope needed: " + scope);
  }
  const bool finished = changed_.wait_for(lock, std::chrono::milliseconds(settings_.stepUpTimeoutMs), [&] { return !loginRunning_; });
  if (!finished) {
    why = "the login for more scope did not complete within step_up_timeout (" + std::to_string(settings_.stepUpTimeoutMs / 1000) +
          " s); finish it with the URL in moat's terminal and call again";
    return false;
  }
  if (logins_ == loginsBefore || accessToken_.empty()) {
    why = loginProblem_.empty() ? "the login for more scope did not complete" : loginProblem_;
    return false;
  }
  return true;
}

}  // namespace moat::remoteauth
