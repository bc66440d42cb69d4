// The local end of the authorization code flow: a listener on 127.0.0.1:PORT that waits for the
// browser's redirect to /callback and answers it with a page the user can close.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace moat::remoteauth {

using QueryParameters = std::map<std::string, std::string>;

// "a=1&b=x%20y" -> {a: 1, b: "x y"} ('+' is a space, as in forms).
QueryParameters parseQuery(const std::string& query);

class CallbackServer {
 public:
  // Binds now. Throws std::runtime_error ("callback port 8666 is in use ...") when it cannot.
  explicit CallbackServer(int port);
  ~CallbackServer();
  CallbackServer(const CallbackServer&) = delete;
  CallbackServer& operator=(const CallbackServer&) = delete;

  std::string redirectUri() const;  // http://localhost:PORT/callback

  // The parameters of the first GET /callback that carries `state`; other requests are
  // answered 404 and ignored. Throws std::runtime_error after `timeoutMs`, when `cancel` is
  // set (the gateway stops), or when SIGINT or SIGTERM is pending: the gateway blocks them
  // until it serves, and a user who presses Ctrl-C at the login prompt means it.
  QueryParameters waitForCallback(const std::string& state, int64_t timeoutMs, const std::atomic<bool>& cancel);

 private:
  int port_;
  int listener_ = -1;
};

}  // namespace moat::remoteauth
