// The exchange-rfc8693 stage configuration: which token endpoint, how the gateway
// authenticates to it, and what token to ask for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exchange/ExchangeStage.h"
#include "moat/plugin.hpp"

namespace moat::exchange {

enum class ClientAuthMethod { SecretBasic, SecretPost, None };

struct Rfc8693Settings {
  std::string tokenUrl;
  std::string clientId;
  std::string clientSecret;
  ClientAuthMethod authMethod = ClientAuthMethod::None;
  std::string audience;
  std::vector<std::string> resources;
  std::vector<std::string> scopes;
  std::string subjectTokenType;    // URN
  std::string requestedTokenType;  // URN, or empty to let the IdP choose
  std::string actorToken;          // the gateway's own token (RFC 8693 §1.1 delegation), or empty
  std::string actorTokenType;
  uint32_t timeoutMs = 5'000;
  StageSettings stage;
};

// Throws std::runtime_error "key: problem". The secret comes from client_secret_file,
// client_secret_env or client_secret; the actor token from actor_token_file.
Rfc8693Settings readRfc8693Settings(const Host& host, const json::Value& config);

}  // namespace moat::exchange
