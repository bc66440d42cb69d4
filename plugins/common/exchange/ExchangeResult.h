// What one token exchange produced: a token for the upstream, or why there is none, sorted by
// what the client should be told (sign in again, retry later, or a gateway problem).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace moat::exchange {

struct ExchangeResult {
  enum class Kind {
    Issued,         // token holds the upstream credential
    Rejected,       // the IdP refused the subject token (invalid_grant): the client must sign in again
    Unavailable,    // the IdP could not be reached or answered 5xx/429 in time: retry later
    Misconfigured,  // the IdP refused the gateway's own request (client, audience, scope): an operator problem
  };
  Kind kind = Kind::Unavailable;
  std::string token;
  int64_t expiresAtMs = 0;  // 0: the IdP did not say
  std::string reason;       // for logs and error bodies; never holds token material
  // RFC 8693 §4.1: the actors of an issued JWT's `act` claim, outermost first, as a JSON array
  // of their `sub`s ("" when the token is not a JWT or names none). For the audit trail.
  std::string delegation;

  static ExchangeResult issued(std::string token, int64_t expiresAtMs) {
    return {Kind::Issued, std::move(token), expiresAtMs, {}, {}};
  }
  static ExchangeResult failed(Kind kind, std::string reason) { return {kind, {}, 0, std::move(reason), {}}; }
  bool ok() const { return kind == Kind::Issued; }
};

}  // namespace moat::exchange
