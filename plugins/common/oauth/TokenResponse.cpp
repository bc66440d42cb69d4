#include "oauth/TokenResponse.h"

#include <string>

#include "crypto/Base64.h"

namespace moat::exchange {
namespace {

using Kind = ExchangeResult::Kind;

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

ExchangeResult oauthError(const Host::HttpResponse& response, std::string_view endpoint) {
  std::string error, description;
  try {
    json::Value body = json::parse(response.body);
    error = body.stringOr("error", "");
    description = sanitizedDescription(body.stringOr("error_description", ""));
  } catch (const std::exception&) {
  }
  std::string what = std::string(endpoint) + " answered HTTP " + std::to_string(response.status);
  if (!error.empty()) what += " " + sanitizedDescription(error);
  if (!description.empty()) what += " (" + description + ")";
  // invalid_grant: the subject token is expired, revoked or not acceptable for this exchange.
  if (error == "invalid_grant") return ExchangeResult::failed(Kind::Rejected, what);
  if (response.status == 429 || response.status >= 500 || error == "temporarily_unavailable")
    return ExchangeResult::failed(Kind::Unavailable, what);
  return ExchangeResult::failed(Kind::Misconfigured, what);
}

// "3599" -> 3599; anything else -> 0 (unknown).
int64_t quotedSeconds(const std::string& text) {
  if (text.empty() || text.size() > 9) return 0;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::string sanitizedDescription(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 300))
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) out += c;
  return out;
}

int64_t unverifiedJwtExpiryMs(std::string_view token) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return 0;
  auto payload = crypto::base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return 0;
  try {
    json::Value claims = json::parse(*payload);
    const json::Value* exp = claims.find("exp");
    if (exp && exp->type() == json::Value::Type::Number && exp->asNumber() > 0)
      return static_cast<int64_t>(exp->asNumber()) * 1000;
  } catch (const std::exception&) {
  }
  return 0;
}

ExchangeResult readTokenResponse(const Host::HttpResponse& response, int64_t nowMs, std::string_view endpoint) {
  if (response.status != 200) return oauthError(response, endpoint);
  json::Value body;
  try {
    body = json::parse(response.body);
  } catch (const std::exception&) {
    return ExchangeResult::failed(Kind::Unavailable, std::string(endpoint) + " answered 200 with something that is not JSON");
  }
  const json::Value* token = body.find("access_token");
  if (!token || !token->isString() || token->asString().empty())
    return ExchangeResult::failed(Kind::Unavailable, std::string(endpoint) + " answered 200 without an access_token");
  // RFC 8693 §2.2.1: "N_A" when the issued token is not an access token; DPoP or other
  // proof-of-possession tokens cannot simply be put in a header.
  std::string tokenType = body.stringOr("token_type", "Bearer");
  if (!equalsIgnoringCase(tokenType, "Bearer") && tokenType != "N_A")
    return ExchangeResult::failed(Kind::Misconfigured, std::string(endpoint) + " issued a \"" + sanitizedDescription(tokenType) +
                                                           "\" token; only bearer tokens can be forwarded");
  int64_t expiresAt = 0;
  if (const json::Value* expiresIn = body.find("expires_in"); expiresIn && expiresIn->type() == json::Value::Type::Number)
    expiresAt = nowMs + static_cast<int64_t>(expiresIn->asNumber() * 1000);
  else if (expiresIn && expiresIn->isString())  // some servers send it quoted
    expiresAt = nowMs + quotedSeconds(expiresIn->asString()) * 1000;
  if (expiresAt == 0) expiresAt = unverifiedJwtExpiryMs(token->asString());
  return ExchangeResult::issued(token->asString(), expiresAt);
}

}  // namespace moat::exchange
