#include "AuditStage.h"

#include <cctype>
#include <random>
#include <stdexcept>

#include "crypto/Sha256.h"
#include "moat/jsonrpc.hpp"
#include "moat/settings.hpp"

namespace moat::audit {
namespace {

// Member names whose values never reach the audit file when payloads are on.
const char* const kDefaultRedact[] = {"password", "secret", "token", "access_token", "refresh_token", "id_token",
                                      "client_secret", "api_key", "apikey", "authorization"};

// "4096", "4KiB", "100MiB", "1GiB".
uint64_t byteSize(const json::Value& config, std::string_view key, uint64_t fallback) {
  const json::Value* value = config.find(key);
  if (!value) return fallback;
  if (value->type() == json::Value::Type::Number && value->asNumber() >= 0) return static_cast<uint64_t>(value->asNumber());
  if (!value->isString()) throw std::runtime_error(std::string(key) + ": expected a size such as 4KiB or 100MiB");
  const std::string& text = value->asString();
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  const uint64_t scale = unit.empty() || unit == "B" ? 1 : unit == "KiB" ? 1ull << 10 : unit == "MiB" ? 1ull << 20 : unit == "GiB" ? 1ull << 30 : 0;
  if (digits == 0 || scale == 0) throw std::runtime_error(std::string(key) + ": \"" + text + "\" is not a size such as 4KiB or 100MiB");
  return std::stoull(text.substr(0, digits)) * scale;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 128 random bits as hex: unique enough to name an event, and cheap per request.
std::string newAuditId() {
  thread_local std::mt19937_64 bits{(static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t word = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i % 16 == 0) word = bits();
    id[i] = hex[word & 0xF];
    word >>= 4;
  }
  return id;
}

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Success: return "success";
    case Outcome::Error: return "error";
    case Outcome::Denied: return "denied";
    case Outcome::Failure: return "failure";
  }
  return "failure";
}

}  // namespace

AuditStage::AuditStage(const Host& host, const json::Value& config) : host_(host) {
  settings::checkKeys(config, {"file", "max_size", "max_files", "on_failure", "payloads", "payload_limit", "redact"}, host.instanceName());
  LogSettings log;
  log.path = settings::text(config, "file");
  log.maxBytes = byteSize(config, "max_size", log.maxBytes);
  log.keepFiles = static_cast<int>(settings::count(config, "max_files", static_cast<size_t>(log.keepFiles)));
  const std::string onFailure = settings::text(config, "on_failure");
  if (!onFailure.empty() && onFailure != "drop" && onFailure != "fail_closed")
    throw std::runtime_error("on_failure: expected drop or fail_closed, not \"" + onFailure + "\"");
  failClosed_ = onFailure == "fail_closed";
  payload_.include = settings::flag(config, "payloads", false);
  payload_.limitBytes = byteSize(config, "payload_limit", payload_.limitBytes);
  for (const char* name : kDefaultRedact) payload_.redact.insert(name);
  for (const auto& name : settings::list(config, "redact")) payload_.redact.insert(lower(name));
  log_ = std::make_unique<AuditLog>(log);
}

Status AuditStage::onRequest(Request& request) {
  if (!failClosed_ || log_->healthy()) return Status::Continue;
  host_.count("requests_refused");
  return request.replyRpcError(503, jsonrpc::kInternalError,
                               "the audit trail cannot be written, so requests are refused until it can (stage-audit on_failure: fail_closed)",
                               {{"Retry-After", "5"}});
}

void AuditStage::onComplete(Request& request, const Completion& done) {
  EventFacts facts;
  facts.auditId = newAuditId();
  facts.timeUnixMs = host_.nowUnixMs();
  facts.httpMethod = std::string(request.method());
  facts.rpcMethod = std::string(request.rpcMethod());
  facts.target = std::string(request.rpcTarget());
  facts.route = std::string(request.serverName());
  facts.outcome = outcomeName(done.outcome);
  facts.status = done.status;
  facts.rpcErrorCode = done.rpcErrorCode;
  facts.answeredBy = std::string(done.answeredBy);
  facts.durationUs = done.durationUs;
  facts.requestBytes = done.requestBytes;
  facts.responseBytes = done.responseBytes;
  facts.source = std::string(request.remoteAddress());
  facts.requestId = std::string(request.id());
  if (auto identity = request.identity()) {
    facts.subject = std::string(identity->subject);
    facts.claimsJson = std::string(identity->claimsJson);
  }
  facts.notesJson = std::string(request.notesJson());
  facts.body = std::string(request.body());
  rememberClient(request, done, facts);

  std::string why;
  if (log_->append(eventLine(facts, payload_), why)) {
    host_.count("events");
    return;
  }
  host_.count("events_dropped");
  if (!why.empty())
    host_.error(why + (failClosed_ ? "; requests are refused until an event can be written" : "; events are dropped and counted until one can be written"));
}

// The session's client: from the initialize request itself, else from what its initialize
// said. The session id is written only as a fingerprint: it lets a holder use the session.
void AuditStage::rememberClient(Request& request, const Completion& done, EventFacts& facts) {
  std::string session(request.header("Mcp-Session-Id").value_or(""));
  if (facts.rpcMethod == "initialize") {
    try {
      const json::Value message = json::parse(facts.body);
      const json::Value* params = message.find("params");
      const json::Value* client = params ? params->find("clientInfo") : nullptr;
      if (client) {
        facts.clientName = client->stringOr("name", "");
        facts.clientVersion = client->stringOr("version", "");
      }
    } catch (const std::exception&) {
    }
    auto issued = request.responseHeader("Mcp-Session-Id");
    if (issued && done.status >= 200 && done.status < 300) {
      session = std::string(*issued);
      clients_.remember(session, facts.clientName, facts.clientVersion);
    }
  } else if (!session.empty()) {
    std::tie(facts.clientName, facts.clientVersion) = clients_.find(session);
    if (facts.httpMethod == "DELETE" && done.status >= 200 && done.status < 300) clients_.forget(session);
  }
  if (!session.empty()) facts.sessionId = crypto::fingerprint(session);
}

}  // namespace moat::audit

MOAT_FILTER_PLUGIN(MOAT_KIND_STAGE, "stage-audit", "0.1.0",
                   "writes one NDJSON audit event per request (who, what, outcome, timing), to a 0600 file with rotation or stdout",
                   moat::audit::AuditStage)
