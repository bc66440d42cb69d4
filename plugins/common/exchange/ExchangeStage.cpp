#include "exchange/ExchangeStage.h"

#include <stdexcept>

#include "moat/settings.hpp"
#include "oauth/TokenCache.h"
#include "moat/bearer.hpp"
#include "crypto/Sha256.h"
#include "exchange/Delegation.h"

namespace moat::exchange {
namespace {

using Kind = ExchangeResult::Kind;

constexpr int kInternalError = -32603;

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

bool validHeaderName(const std::string& name) {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

const std::set<std::string>& stageSettingKeys() {
  static const std::set<std::string> keys{"subject_token", "require_identity", "header_name", "header_prefix",
                                          "cache_size", "expiry_skew", "default_ttl"};
  return keys;
}

StageSettings readStageSettings(const json::Value& config) {
  StageSettings s;
  std::string subject = settings::text(config, "subject_token");
  if (subject.rfind("credential:", 0) == 0) {
    s.subjectCredential = subject.substr(11);
    if (s.subjectCredential.empty()) settings::fail("subject_token", "credential: needs a name, e.g. credential:id_token");
  } else if (!subject.empty() && subject != "bearer") {
    settings::fail("subject_token", "expected \"bearer\" (the client's token) or \"credential:NAME\" (a token an earlier stage obtained)");
  }
  s.requireIdentity = settings::flag(config, "require_identity", true);
  std::string header = settings::text(config, "header_name");
  if (!header.empty()) {
    if (!validHeaderName(header)) settings::fail("header_name", "\"" + header + "\" is not an HTTP header name");
    s.headerName = header;
  }
  if (const json::Value* prefix = config.find("header_prefix"); prefix && !prefix->isNull()) {
    if (!prefix->isString()) settings::fail("header_prefix", "expected a string (\"Bearer \" or \"\")");
    s.headerPrefix = prefix->asString();
  }
  s.cache.capacity = settings::count(config, "cache_size", s.cache.capacity);
  s.cache.expirySkewMs = settings::durationMs(config, "expiry_skew", s.cache.expirySkewMs);
  s.cache.defaultTtlMs = settings::durationMs(config, "default_ttl", s.cache.defaultTtlMs);
  return s;
}

ExchangeStage::ExchangeStage(Host host, StageSettings settings, std::string parameters)
    : host_(host), settings_(std::move(settings)), parameters_(std::move(parameters)), cache_(settings_.cache) {}

Status ExchangeStage::onRequest(Request& request) {
  std::string subject;
  if (settings_.subjectCredential.empty()) {
    auto credential = request.clientCredential();
    if (!credential) return bearer::reject(request, {});
    if (!startsWithIgnoringCase(*credential, "Bearer ") || credential->size() <= 7)
      return bearer::reject(request, {"invalid_request", "a bearer token is required", ""});
    if (settings_.requireIdentity && !request.identity())
      throw std::runtime_error("token exchange without an authenticated caller: put an authenticator before this stage "
                               "(or set require_identity: false to let the IdP alone judge the token)");
    subject = std::string(credential->substr(7));
  } else {
    auto credential = request.credential(settings_.subjectCredential);
    if (!credential || credential->empty())
      throw std::runtime_error("no \"" + settings_.subjectCredential +
                               "\" credential on this request: the stage that obtains it must come before this one");
    subject = std::string(*credential);
  }

  const std::string key = crypto::sha256(parameters_ + '\n' + subject);
  ExchangeCache::Source source = ExchangeCache::Source::Cache;
  ExchangeResult result = cache_.get(
      key, [this] { return host_.nowUnixMs(); },
      [&] {
        host_.count("exchanges");
        ExchangeResult issued = exchange(subject);
        if (issued.ok()) issued.delegation = delegationChain(issued.token);
        return issued;
      },
      source);
  host_.count(source == ExchangeCache::Source::Cache ? "cache_hits" : "cache_misses");
  // The fingerprint is a second SHA-256: only failures and debug lines need it, not every hit.
  if (!result.ok()) return fail(request, result, crypto::fingerprint(subject));
  if (source == ExchangeCache::Source::Exchanged && host_.api()->log_enabled(host_.context(), MOAT_LOG_DEBUG))
    host_.debug("exchanged token " + crypto::fingerprint(subject) + " for " + crypto::fingerprint(result.token) +
                (result.expiresAtMs ? " (valid " + std::to_string((result.expiresAtMs - host_.nowUnixMs()) / 1000) + " s)" : ""));

  if (!result.delegation.empty()) request.setNote("delegation", result.delegation);
  // The client's token never travels on: with a custom header, Authorization is dropped too.
  if (settings_.headerName != "Authorization") request.removeHeader("Authorization");
  request.setHeader(settings_.headerName, settings_.headerPrefix + result.token);
  return Status::Continue;
}

Status ExchangeStage::onResponse(Request& request) {
  if (request.responseStatus() != 401) return Status::Continue;
  auto sent = request.header(settings_.headerName);
  if (!sent || sent->size() < settings_.headerPrefix.size()) return Status::Continue;
  const std::string token(sent->substr(settings_.headerPrefix.size()));
  if (cache_.forgetIssued(token)) {
    host_.count("upstream_rejections");
    host_.info("the upstream refused exchanged token " + crypto::fingerprint(token) + "; it is dropped from the cache");
  }
  return Status::Continue;
}

Status ExchangeStage::fail(Request& request, const ExchangeResult& result, const std::string& fingerprint) {
  host_.count("failures");
  switch (result.kind) {
    case Kind::Rejected:
      host_.info("exchange refused for token " + fingerprint + ": " + result.reason);
      return bearer::reject(request, {"invalid_token", "the token could not be exchanged for the upstream; sign in again", ""});
    case Kind::Unavailable:
      host_.warn("exchange unavailable for token " + fingerprint + ": " + result.reason);
      return bearer::unavailable(request, "token exchange is unavailable: " + result.reason);
    case Kind::Misconfigured:
    case Kind::Issued:
      break;
  }
  host_.error("exchange failed for token " + fingerprint + ": " + result.reason);
  return request.replyRpcError(502, kInternalError, "token exchange failed: " + result.reason);
}

}  // namespace moat::exchange
