// An MCPServer or MCPRemoteProxy and the MCPExternalAuthConfig it names, read from their JSON into
// what the operator acts on. Fields follow ToolHive's (v1alpha1) where they overlap; a field moat does not
// carry out is listed in `unsupported`, so the resource is reported, never half deployed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moat/json.hpp"

namespace moat::op {

struct SecretKeyRef {
  std::string name, key;
};

struct InlineOidc {
  std::string issuer, audience, jwksUrl, introspectionUrl, clientId;
  std::optional<SecretKeyRef> clientSecret;
  std::vector<std::string> scopes;
};

struct OidcSpec {
  std::string type;  // inline (kubernetes and configMap are reported unsupported)
  std::string resourceUrl;
  InlineOidc inlineConfig;
};

// ToolHive's sessionStorage: where gateway replicas share session bindings.
struct SessionStorage {
  std::string provider;  // redis (memory: each replica alone)
  std::string address, keyPrefix;
  int db = 0;
  std::optional<SecretKeyRef> password;
};

struct ResourceList {
  std::string cpu, memory;
};

// An MCPServer runs a server image behind a gateway; an MCPRemoteProxy puts a gateway in front
// of an MCP server that already runs elsewhere (remoteUrl).
enum class WorkloadKind { Server, RemoteProxy };

struct ServerSpec {
  WorkloadKind kind = WorkloadKind::Server;
  std::string name, ns, uid;
  int64_t generation = 0;
  bool deleting = false;
  std::vector<std::string> finalizers;

  std::string image;      // MCPServer
  std::string remoteUrl;  // MCPRemoteProxy
  std::string transport = "streamable-http";
  int proxyPort = 8080;
  int mcpPort = 8080;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  ResourceList limits, requests;
  std::optional<OidcSpec> oidc;
  std::string externalAuthConfig;  // the MCPExternalAuthConfig's name, or empty
  std::string serviceAccount;
  int replicas = 1;         // the gateway's pods (ToolHive's proxy replicas)
  int backendReplicas = 1;  // the server's pods (MCPServer)
  std::optional<SessionStorage> sessionStorage;

  std::vector<std::string> unsupported;  // "spec.authzConfig: not supported by moat operator"
  std::vector<std::string> invalid;      // a supported combination moat refuses, and why

  bool remote() const { return kind == WorkloadKind::RemoteProxy; }
};

struct TokenExchangeSpec {
  std::string tokenUrl, clientId, audience, subjectTokenType, headerName;
  std::optional<SecretKeyRef> clientSecret;
  std::vector<std::string> scopes;
};

struct ExternalAuthSpec {
  std::string name, type, resourceVersion;
  std::optional<TokenExchangeSpec> tokenExchange;
  std::vector<std::string> unsupported;
};

// Google's Security Token Service takes no client credentials and names every audience as a
// workload or workforce pool provider, so an audience of that form chooses exchange-google-sts.
bool usesGoogleSts(const TokenExchangeSpec& exchange);

// Throws std::runtime_error naming the member when the object is not an MCPServer.
ServerSpec readServerSpec(const json::Value& object);
ServerSpec readRemoteProxySpec(const json::Value& object);
ExternalAuthSpec readExternalAuthSpec(const json::Value& object);

// Every Secret key the pair references (the gateway mounts exactly these).
std::vector<SecretKeyRef> referencedSecrets(const ServerSpec& server, const std::optional<ExternalAuthSpec>& auth);

}  // namespace moat::op
