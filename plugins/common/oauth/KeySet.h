// A JWKS document (RFC 7517 §5) as usable verification keys. Keys that cannot be used (an
// unsupported type, encryption keys, short RSA) are skipped and reported, not fatal: IdPs
// publish keys for other purposes next to their signing keys.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "oauth/PublicKey.h"

namespace moat::oidc {

class KeySet {
 public:
  // Throws std::runtime_error when the document is not a JWKS at all.
  static KeySet parse(std::string_view jwksJson, std::vector<std::string>* skipped = nullptr);

  // The key a token's header names. With a kid: that key, if it suits the algorithm. Without
  // one: the only key that suits it, so an IdP with one key and no kids still works but a
  // kid-less token never gets to choose among several.
  const PublicKey* select(std::string_view kid, bool hasKid, Algorithm algorithm) const;
  bool hasKid(std::string_view kid) const;
  size_t size() const { return keys_.size(); }

 private:
  std::vector<std::shared_ptr<const PublicKey>> keys_;
};

}  // namespace moat::oidc
