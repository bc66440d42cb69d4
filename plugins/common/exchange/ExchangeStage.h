// The request-path half every exchanger shares: pick the subject token (the client's
// validated bearer token, or a credential an earlier stage obtained), get the exchanged token
// from the cache or the IdP, and put it where the upstream expects it — never letting the
// client's own token through. The exchange itself is the subclass's (RFC 8693, Google STS).
#pragma once

#include <set>
#include <string>

#include "exchange/ExchangeCache.h"
#include "moat/plugin.hpp"

namespace moat::exchange {

struct StageSettings {
  std::string subjectCredential;  // empty: the client's bearer token; else a named request credential
  bool requireIdentity = true;    // the bearer token must have been accepted by an authenticator first
  std::string headerName = "Authorization";
  std::string headerPrefix = "Bearer ";
  CacheSettings cache;
};

// The keys read by readStageSettings, for the plugins' unknown-key checks.
const std::set<std::string>& stageSettingKeys();
StageSettings readStageSettings(const json::Value& config);

class ExchangeStage : public Filter {
 public:
  // `parameters` describes everything but the subject that shapes the issued token (endpoint,
  // audience, scopes, types); it is part of every cache key.
  ExchangeStage(Host host, StageSettings settings, std::string parameters);

  Status onRequest(Request& request) override;
  // An upstream 401 means the exchanged token is no good there (revoked, or the backend's view
  // changed): it leaves the cache, so the next request exchanges afresh instead of failing until
  // the token expires.
  Status onResponse(Request& request) override;

 protected:
  virtual ExchangeResult exchange(const std::string& subjectToken) = 0;
  const Host& host() const { return host_; }

 private:
  Status fail(Request& request, const ExchangeResult& result, const std::string& fingerprint);

  Host host_;
  StageSettings settings_;
  std::string parameters_;
  ExchangeCache cache_;
};

}  // namespace moat::exchange
