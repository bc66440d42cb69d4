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
