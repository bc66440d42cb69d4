#include "oauth/KeySet.h"

#include <stdexcept>

namespace moat::oidc {

KeySet KeySet::parse(std::string_view jwksJson, std::vector<std::string>* skipped) {
  json::Value document = json::parse(jwksJson);
  const json::Value* keys = document.find("keys");
  if (!keys || !keys->isArray()) throw std::runtime_error("JWKS document has no \"keys\" array");
  KeySet set;
  for (const auto& jwk : keys->items()) {
    try {
      set.keys_.push_back(PublicKey::fromJwk(jwk));
    } catch (const std::exception& e) {
      if (skipped) skipped->push_back(e.what());
    }
  }
  return set;
}

const PublicKey* KeySet::select(std::string_view kid, bool hasKid, Algorithm algorithm) const {
  if (hasKid) {
    for (const auto& key : keys_)
      if (key->kid() == kid) return key->suits(algorithm) ? key.get() : nullptr;
    return nullptr;
  }
  const PublicKey* only = nullptr;
  for (const auto& key : keys_) {
    if (!key->suits(algorithm)) continue;
    if (only) return nullptr;
    only = key.get();
  }
  return only;
}

bool KeySet::hasKid(std::string_view kid) const {
  for (const auto& key : keys_)
    if (key->kid() == kid) return true;
  return false;
}

}  // namespace moat::oidc
