// WWW-Authenticate challenges as the remote-auth stage reads an MCP server's 401 (RFC 6750 with
// RFC 9728's resource_metadata), and the Authorization header values authenticators read
// (RFC 6750 §2.1).
#include <cstdint>
#include <string>

#include "FuzzCheck.h"
#include "ResourceDiscovery.h"
#include "moat/bearer.hpp"
#include "oauth/BearerCredential.h"

namespace {

// What quoted() keeps as it is: no control characters.
bool printable(const std::string& value) {
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  moat::remoteauth::BearerChallenge challenge = moat::remoteauth::parseBearerChallenge(text);
  (void)moat::remoteauth::headerValue(text, "WWW-Authenticate");

  // A challenge the gateway writes reads back with the same values.
  if (printable(challenge.error) && printable(challenge.scope) && printable(challenge.resourceMetadata)) {
    std::string written = moat::bearer::wwwAuthenticate(challenge.resourceMetadata, {challenge.error, "", challenge.scope});
    moat::remoteauth::BearerChallenge back = moat::remoteauth::parseBearerChallenge(written);
    FUZZ_CHECK(back.resourceMetadata == challenge.resourceMetadata, "resource_metadata round-trips");
    FUZZ_CHECK(back.scope == challenge.scope, "scope round-trips");
    FUZZ_CHECK(back.error == challenge.error, "error round-trips");
  }

  moat::oidc::BearerCredential credential = moat::oidc::parseBearerCredential(text);
  if (credential.token) {
    FUZZ_CHECK(!credential.token->empty(), "a bearer token is never empty");
    FUZZ_CHECK(credential.token->find(' ') == std::string::npos, "a bearer token holds no space");
  }
  return 0;
}
