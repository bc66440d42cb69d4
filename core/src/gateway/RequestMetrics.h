// Turns one answered request into the gateway's standard metrics (metrics/Catalogue.h): the
// request count and duration, the tool call's outcome, why an authenticator refused, what kind
// of upstream error it met. Label values come from fixed lists, so a client cannot widen them.
#pragma once

#include <string_view>

#include "gateway/AnswerWatch.h"
#include "server/Exchange.h"

namespace moat::gateway {

// The method label: the JSON-RPC method when MCP names it, "other" for any other method, "none"
// for a POST without one (a batch, a response, garbage); GET and DELETE as themselves.
std::string_view methodLabel(std::string_view httpMethod, std::string_view rpcMethod);

// The reason label of an authenticator's refusal, from its status and WWW-Authenticate error.
std::string_view authenticationFailureReason(int status, std::string_view wwwAuthenticate);

// success, error, denied or failure (metrics/Catalogue.cpp says what each means).
std::string_view outcomeOf(const Exchange& exchange, int status, const AnswerWatch& answer);

void recordRequest(Exchange& exchange, int status, double seconds, const AnswerWatch& answer);

}  // namespace moat::gateway
