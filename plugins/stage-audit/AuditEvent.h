// One audit event as a line of JSON: who (subject, email, client), what (route, MCP method,
// tool/prompt/resource), how it ended (outcome, status, the stage or gateway error that
// answered), how long and how big, from where, and with which delegation chain. Never a token:
// nothing here reads a header or a credential. The request's params only when configured,
// with named fields redacted at any depth and the whole cut to a size.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "moat/json.hpp"

namespace moat::audit {

struct PayloadSettings {
  bool include = false;
  size_t limitBytes = 4096;
  std::set<std::string> redact;  // member names, compared case-insensitively
};

struct EventFacts {
  std::string auditId;
  int64_t timeUnixMs = 0;
  std::string httpMethod;
  std::string rpcMethod;
  std::string target;  // tool or prompt name, resource URI
  std::string route;
  std::string outcome;  // success, error, denied, failure
  int status = 0;
  int rpcErrorCode = 0;
  std::string answeredBy;
  int64_t durationUs = 0;
  uint64_t requestBytes = 0;
  uint64_t responseBytes = 0;
  std::string source;  // the client's address
  std::string requestId;
  std::string sessionId;
  std::string subject;      // empty: anonymous
  std::string claimsJson;   // the authenticator's claims ("{}" when none)
  std::string clientName;
  std::string clientVersion;
  std::string notesJson = "{}";  // what stages noted (delegation chain, decisions)
  std::string body;              // the request body, for the payload
};

// The event's type: the MCP method of a POST ("batch" or "response" when it carries none),
// "stream" for a GET, "session_end" for a DELETE.
std::string eventType(const EventFacts& facts);

std::string eventLine(const EventFacts& facts, const PayloadSettings& payload);

// `value` with every member named in `redact` replaced by "[redacted]", at any depth.
json::Value redacted(const json::Value& value, const std::set<std::string>& redact);

}  // namespace moat::audit
