// What checking one bearer token concluded, and who the caller is when it was accepted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moat::oidc {

struct Identity {
  std::string subject;
  std::string claimsJson;  // the token's claims as a JSON object
  std::vector<std::string> scopes;
  std::vector<std::string> audiences;
  int64_t expiresAt = 0;  // unix seconds
};

struct Verdict {
  enum class Outcome { Accepted, Rejected, Unavailable };
  Outcome outcome = Outcome::Rejected;
  // Why, for Rejected (sent to the client as error_description) and Unavailable (logged, and
  // sent as the 503 message). Never contains token material.
  std::string reason;
  Identity identity;

  static Verdict accepted(Identity identity) { return {Outcome::Accepted, {}, std::move(identity)}; }
  static Verdict rejected(std::string why) { return {Outcome::Rejected, std::move(why), {}}; }
  static Verdict unavailable(std::string why) { return {Outcome::Unavailable, std::move(why), {}}; }
  bool ok() const { return outcome == Outcome::Accepted; }
};

}  // namespace moat::oidc
