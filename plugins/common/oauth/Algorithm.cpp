#include "oauth/Algorithm.h"

#include <array>
#include <utility>

namespace moat::oidc {
namespace {

constexpr std::array<std::pair<std::string_view, Algorithm>, 10> kNames{{
    {"RS256", Algorithm::RS256}, {"RS384", Algorithm::RS384}, {"RS512", Algorithm::RS512},
    {"PS256", Algorithm::PS256}, {"PS384", Algorithm::PS384}, {"PS512", Algorithm::PS512},
    {"ES256", Algorithm::ES256}, {"ES384", Algorithm::ES384}, {"ES512", Algorithm::ES512},
    {"EdDSA", Algorithm::EdDSA},
}};

}  // namespace

std::optional<Algorithm> algorithmNamed(std::string_view name) {
  for (const auto& [n, a] : kNames)
    if (n == name) return a;
  return std::nullopt;
}

std::string_view nameOf(Algorithm algorithm) {
  for (const auto& [n, a] : kNames)
    if (a == algorithm) return n;
  return "?";
}

}  // namespace moat::oidc
