#include "oauth/JwtParser.h"

#include <algorithm>
#include <strings.h>

#include "crypto/Base64.h"

namespace moat::oidc {
namespace {

bool typeAccepted(const std::string& typ) {
  for (const char* ok : {"JWT", "at+jwt", "application/at+jwt"})
    if (::strcasecmp(typ.c_str(), ok) == 0) return true;
  return false;
}

std::optional<json::Value> decodeObject(std::string_view segment) {
  auto bytes = crypto::base64UrlDecode(segment);
  if (!bytes) return std::nullopt;
  try {
    json::Value value = json::parse(*bytes);
    if (!value.isObject()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

bool looksLikeJwt(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos || first == 0) return false;
  size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || second == first + 1) return false;
  return token.find('.', second + 1) == std::string_view::npos;
}

std::optional<ParsedJwt> parseJwt(std::string_view token, const std::vector<Algorithm>& accepted, std::string& why) {
  if (token.size() > kMaxTokenBytes) {
    why = "token is larger than " + std::to_string(kMaxTokenBytes) + " bytes";
    return std::nullopt;
  }
  if (!looksLikeJwt(token)) {
    why = "token is not a compact JWS";
    return std::nullopt;
  }
  size_t first = token.find('.'), second = token.find('.', first + 1);
  std::string_view headerPart = token.substr(0, first);
  if (headerPart.size() > kMaxHeaderBytes) {
    why = "token header is larger than " + std::to_string(kMaxHeaderBytes) + " bytes";
    return std::nullopt;
  }
  auto header = decodeObject(headerPart);
  if (!header) {
    why = "token header is not base64url-encoded JSON";
    return std::nullopt;
  }
  const json::Value* alg = header->find("alg");
  if (!alg || !alg->isString()) {
    why = "token header has no algorithm";
    return std::nullopt;
  }
  const std::string& algName = alg->asString();
  if (::strcasecmp(algName.c_str(), "none") == 0) {
    why = "unsigned tokens (alg none) are refused";
    return std::nullopt;
  }
  if (algName.rfind("HS", 0) == 0) {
    why = "HMAC-signed tokens are refused: this server holds only public keys";
    return std::nullopt;
  }
  auto algorithm = algorithmNamed(algName);
  if (!algorithm) {
    why = "algorithm " + algName + " is not supported";
    return std::nullopt;
  }
  if (std::find(accepted.begin(), accepted.end(), *algorithm) == accepted.end()) {
    why = "algorithm " + algName + " is not accepted by this server";
    return std::nullopt;
  }
  if (header->find("crit")) {
    why = "token header has critical extensions this server does not understand";
    return std::nullopt;
  }
  if (const json::Value* typ = header->find("typ"); typ && (!typ->isString() || !typeAccepted(typ->asString()))) {
    why = "token type is not an access token";
    return std::nullopt;
  }
  ParsedJwt parsed;
  parsed.algorithm = *algorithm;
  if (const json::Value* kid = header->find("kid")) {
    if (!kid->isString()) {
      why = "token kid is not a string";
      return std::nullopt;
    }
    parsed.kid = kid->asString();
    parsed.hasKid = true;
  }
  auto claims = decodeObject(token.substr(first + 1, second - first - 1));
  if (!claims) {
    why = "token payload is not base64url-encoded JSON";
    return std::nullopt;
  }
  auto signature = crypto::base64UrlDecode(token.substr(second + 1));
  if (!signature || signature->empty()) {
    why = "token signature is not base64url";
    return std::nullopt;
  }
  parsed.claims = std::move(*claims);
  parsed.signature = std::move(*signature);
  parsed.signingInput = token.substr(0, second);
  return parsed;
}

}  // namespace moat::oidc
