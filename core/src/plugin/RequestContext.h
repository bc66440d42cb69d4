// The host's side of `moat_request`: everything a stage may read or change about one request.
// Defined at global scope because abi.h declares the opaque type there.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moat/abi.h"
#include "net/HeaderList.h"

namespace moat::core {
// What the gateway knows of a route's tools that an authorization question needs: the server's
// name for a tool a client called (nullopt: the route hides it) and the tool's annotations from
// the server's tools/list in the request's session ("{}" when not listed).
class ToolFacts {
 public:
  virtual ~ToolFacts() = default;
  virtual std::optional<std::string> serverToolName(const std::string& called) const = 0;
  virtual std::string annotations(const std::string& serverToolName) const = 0;
};
}  // namespace moat::core

struct moat_request {
  struct LocalReply {
    uint16_t status = 500;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };

  std::string requestId;
  std::string httpMethod;
  std::string path;
  std::string body;
  std::string remoteAddress;
  std::string serverName;
  // RFC 9728: the resource this request addresses and where its metadata is served.
  std::string resourceUrl;
  std::string resourceMetadataUrl;

  // Headers that go upstream (case-insensitive names). Never holds the client's Authorization.
  moat::net::HeaderList upstreamHeaders;
  std::optional<std::string> clientAuthorization;

  // Tokens a stage obtained for later stages (moat_host_api.request_credential_*), by name.
  std::map<std::string, std::string> credentials;
  // Non-secret facts a stage recorded for later stages and audit (request_note_*), by name.
  std::map<std::string, std::string> notes;
  std::string notesJson;  // the last rendering of `notes` handed to a plugin

  std::optional<std::string> identitySubject;
  std::string identityClaims = "{}";

  std::optional<LocalReply> reply;
  // Set by the gateway while the request is served; null: names as called, no annotations.
  const moat::core::ToolFacts* toolFacts = nullptr;

  uint16_t responseStatus = 0;
  moat::net::HeaderList responseHeaders;

  // The JSON-RPC method of a single-message body, parsed once on first use.
  const std::string& rpcMethod();
  // What the method acts on: the tool or prompt name (params.name) or the resource URI
  // (params.uri); empty for other methods. Parsed with the method.
  const std::string& rpcTarget();

 private:
  void parseRpc();
  std::optional<std::string> rpcMethod_;
  std::string rpcTarget_;
};

namespace moat::core {
using RequestContext = moat_request;
}
