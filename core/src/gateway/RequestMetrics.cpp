#include "gateway/RequestMetrics.h"

#include <strings.h>

#include <array>
#include <string>

#include "metrics/Catalogue.h"
#include "moat/abi.h"
#include "moat/jsonrpc.hpp"

namespace moat::gateway {
namespace {

// The methods of the MCP revisions the gateway serves (2025-11-25 and 2026-07-28).
constexpr std::array<std::string_view, 28> kMcpMethods{
    "initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/read", "resources/templates/list",
    "resources/subscribe", "resources/unsubscribe", "prompts/list", "prompts/get", "completion/complete", "logging/setLevel",
    "server/discover", "subscriptions/listen", "tasks/get", "tasks/result", "tasks/list", "tasks/cancel",
    "notifications/initialized", "notifications/cancelled", "notifications/progress", "notifications/roots/list_changed",
    "notifications/message", "notifications/tasks/status", "sampling/createMessage", "elicitation/create", "roots/list"};

// The value of `error="..."` in a WWW-Authenticate challenge, or empty.
std::string_view challengeError(std::string_view header) {
  constexpr std::string_view key = "error=\"";
  size_t at = header.find(key);
  while (at != std::string_view::npos && at > 0 && header[at - 1] != ' ' && header[at - 1] != ',') at = header.find(key, at + 1);
  if (at == std::string_view::npos) return {};
  at += key.size();
  size_t end = header.find('"', at);
  return end == std::string_view::npos ? std::string_view() : header.substr(at, end - at);
}

std::string_view upstreamErrorKind(int rpcCode) {
  if (rpcCode == jsonrpc::kUpstreamUnreachable) return "unreachable";
  if (rpcCode == jsonrpc::kUpstreamTimeout) return "timeout";
  return {};
}

std::string_view wwwAuthenticateOf(const core::RequestContext& ctx) {
  if (!ctx.reply) return {};
  for (const auto& [name, value] : ctx.reply->headers)
    if (name.size() == 16 && ::strncasecmp(name.data(), "WWW-Authenticate", 16) == 0) return value;
  return {};
}

}  // namespace

std::string_view methodLabel(std::string_view httpMethod, std::string_view rpcMethod) {
  if (httpMethod == "GET" || httpMethod == "DELETE") return httpMethod;
  if (httpMethod != "POST") return "other";
  if (rpcMethod.empty()) return "none";
  for (std::string_view known : kMcpMethods)
    if (known == rpcMethod) return known;
  return "other";
}

std::string_view authenticationFailureReason(int status, std::string_view wwwAuthenticate) {
  std::string_view error = challengeError(wwwAuthenticate);
  if (error == "invalid_token" || error == "insufficient_scope" || error == "invalid_request") return error;
  if (status == 401 && error.empty()) return "missing_token";
  if (status == 503) return "unavailable";
  return "other";
}

std::string_view outcomeOf(const Exchange& exchange, int status, const AnswerWatch& answer) {
  if (status == 401 || status == 403 || status == 429) return "denied";
  // A call to a tool outside the route's tool view, answered as an unknown tool.
  if (exchange.gatewayError == jsonrpc::kInvalidParams) return "denied";
  if (exchange.gatewayError != 0 || status >= 400) return "failure";
  return answer.sawError() ? "error" : "success";
}

void recordRequest(Exchange& exchange, int status, double seconds, const AnswerWatch& answer) {
  core::RequestContext& ctx = exchange.ctx;
  const std::string& route = exchange.server.name;
  const std::string_view method = methodLabel(ctx.httpMethod, ctx.rpcMethod());
  const std::string code = std::to_string(status);
  metrics::count(metrics::kRequests, {{"route", route}, {"method", method}, {"code", code}});
  if (ctx.httpMethod != "GET") metrics::observe(metrics::kRequestDuration, {{"route", route}, {"method", method}}, seconds);
  if (method == "tools/call")
    metrics::count(metrics::kToolCalls, {{"route", route}, {"tool", ctx.rpcTarget()}, {"outcome", outcomeOf(exchange, status, answer)}});
  if (exchange.stoppedBy.kind == core::StageOutcome::Kind::Replied && exchange.stoppedBy.stageKind == MOAT_KIND_AUTHENTICATOR)
    metrics::count(metrics::kAuthenticationFailures, {{"route", route}, {"reason", authenticationFailureReason(status, wwwAuthenticateOf(ctx))}});
  if (std::string_view kind = upstreamErrorKind(exchange.gatewayError); !kind.empty())
    metrics::count(metrics::kUpstreamErrors, {{"route", route}, {"kind", kind}});
}

}  // namespace moat::gateway
