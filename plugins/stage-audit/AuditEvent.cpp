#include "AuditEvent.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace moat::audit {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string rfc3339(int64_t unixMs) {
  std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, static_cast<int>(unixMs % 1000));
  return text;
}

json::Value parsedOr(const std::string& text, json::Value fallback) {
  try {
    return text.empty() ? fallback : json::parse(text);
  } catch (const std::exception&) {
    return fallback;
  }
}

void put(json::Value& object, const std::string& key, json::Value value) { object.mutableMembers()[key] = std::move(value); }
void putString(json::Value& object, const std::string& key, const std::string& value) {
  if (!value.empty()) put(object, key, json::Value::makeString(value));
}

// The params of the request body, redacted and cut to size: as JSON when they fit, else as
// the first `limit` bytes of their text with "truncated": true.
void putPayload(json::Value& event, const EventFacts& facts, const PayloadSettings& settings) {
  json::Value message = parsedOr(facts.body, json::Value());
  const json::Value* params = message.find("params");
  if (!params) return;
  std::string text = json::write(redacted(*params, settings.redact));
  if (text.size() <= settings.limitBytes) {
    put(event, "params", json::parse(text));
    return;
  }
  // Cut on a UTF-8 boundary so the string stays valid.
  size_t cut = settings.limitBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  putString(event, "params_text", text.substr(0, cut));
  put(event, "params_truncated", json::Value::makeBool(true));
}

}  // namespace

json::Value redacted(const json::Value& value, const std::set<std::string>& redact) {
  if (value.isObject()) {
    json::Value out = json::Value::makeObject();
    for (const auto& [key, member] : value.members())
      put(out, key, redact.count(lower(key)) ? json::Value::makeString("[redacted]") : redacted(member, redact));
    return out;
  }
  if (value.isArray()) {
    json::Value out = json::Value::makeArray();
    for (const auto& item : value.items()) out.mutableItems().push_back(redacted(item, redact));
    return out;
  }
  return value;
}

std::string eventType(const EventFacts& facts) {
  if (facts.httpMethod == "GET") return "stream";
  if (facts.httpMethod == "DELETE") return "session_end";
  if (!facts.rpcMethod.empty()) return facts.rpcMethod;
  return !facts.body.empty() && facts.body.front() == '[' ? "batch" : "response";
}

std::string eventLine(const EventFacts& facts, const PayloadSettings& payload) {
  json::Value event = json::Value::makeObject();
  putString(event, "time", rfc3339(facts.timeUnixMs));
  putString(event, "audit_id", facts.auditId);
  putString(event, "type", eventType(facts));
  putString(event, "outcome", facts.outcome);
  put(event, "status", json::Value::makeNumber(facts.status));
  if (facts.rpcErrorCode != 0) put(event, "error_code", json::Value::makeNumber(facts.rpcErrorCode));
  putString(event, "answered_by", facts.answeredBy);

  json::Value subject = json::Value::makeObject();
  const json::Value claims = parsedOr(facts.claimsJson, json::Value::makeObject());
  putString(subject, "sub", facts.subject);
  putString(subject, "email", claims.stringOr("email", ""));
  putString(subject, "client_name", facts.clientName);
  putString(subject, "client_version", facts.clientVersion);
  put(event, "subject", std::move(subject));

  // A delegation chain the exchanger noted, as a list of actors (outermost first).
  const json::Value notes = parsedOr(facts.notesJson, json::Value::makeObject());
  if (const json::Value* chain = notes.find("delegation"); chain && chain->isString())
    put(event, "delegation", parsedOr(chain->asString(), json::Value::makeArray()));
  json::Value otherNotes = json::Value::makeObject();
  if (notes.isObject())
    for (const auto& [name, value] : notes.members())
      if (name != "delegation") put(otherNotes, name, value);
  if (!otherNotes.members().empty()) put(event, "notes", std::move(otherNotes));

  json::Value target = json::Value::makeObject();
  putString(target, "route", facts.route);
  putString(target, "method", facts.rpcMethod.empty() ? facts.httpMethod : facts.rpcMethod);
  putString(target, facts.rpcMethod.rfind("resources/", 0) == 0 ? "uri" : "name", facts.target);
  putString(target, "session", facts.sessionId);
  put(event, "target", std::move(target));

  put(event, "duration_ms", json::Value::makeNumber(static_cast<double>(facts.durationUs / 10) / 100.0));
  put(event, "request_bytes", json::Value::makeNumber(static_cast<double>(facts.requestBytes)));
  put(event, "response_bytes", json::Value::makeNumber(static_cast<double>(facts.responseBytes)));
  putString(event, "source", facts.source);
  putString(event, "request_id", facts.requestId);
  if (payload.include) putPayload(event, facts, payload);
  return json::write(event);
}

}  // namespace moat::audit
