#include "operator/ServerSpec.h"

#include <set>
#include <stdexcept>

namespace moat::op {
namespace {

const json::Value& member(const json::Value& object, const std::string& key, const std::string& where) {
  const json::Value* value = object.isObject() ? object.find(key) : nullptr;
  if (!value) throw std::runtime_error(where + "." + key + " is missing");
  return *value;
}

std::string text(const json::Value& object, const std::string& key) {
  const json::Value* value = object.isObject() ? object.find(key) : nullptr;
  return value && value->isString() ? value->asString() : "";
}

int number(const json::Value& object, const std::string& key, int fallback) {
  const json::Value* value = object.isObject() ? object.find(key) : nullptr;
  return value && value->type() == json::Value::Type::Number ? static_cast<int>(value->asNumber()) : fallback;
}

std::vector<std::string> strings(const json::Value& object, const std::string& key) {
  std::vector<std::string> out;
  if (const json::Value* list = object.isObject() ? object.find(key) : nullptr; list && list->isArray())
    for (const auto& item : list->items())
      if (item.isString()) out.push_back(item.asString());
  return out;
}

std::optional<SecretKeyRef> secretRef(const json::Value& object, const std::string& key) {
  const json::Value* ref = object.isObject() ? object.find(key) : nullptr;
  if (!ref || !ref->isObject()) return std::nullopt;
  return SecretKeyRef{text(*ref, "name"), text(*ref, "key")};
}

// Members present in `object` that moat does not act on. ToolHive's fields that would change
// what a request may do (authorization, audit, tool filters, permissions) must not be dropped
// quietly: the server is not deployed while any is set.
void reportUnsupported(const json::Value& object, const std::string& where, const std::set<std::string>& handled,
                       std::vector<std::string>& out) {
  if (!object.isObject()) return;
  for (const auto& [key, value] : object.members())
    if (!handled.count(key) && !value.isNull()) out.push_back(where + "." + key + " is not supported by moat operator");
}

void readMetadata(const json::Value& object, std::string& name, std::string& ns) {
  const json::Value& metadata = member(object, "metadata", "");
  name = text(metadata, "name");
  ns = text(metadata, "namespace");
  if (name.empty()) throw std::runtime_error("metadata.name is missing");
}

// What both kinds share: metadata, the gateway's port and replicas, authentication.
ServerSpec readCommon(const json::Value& object, WorkloadKind kind) {
  ServerSpec server;
  server.kind = kind;
  readMetadata(object, server.name, server.ns);
  const json::Value& metadata = *object.find("metadata");
  server.uid = text(metadata, "uid");
  server.generation = number(metadata, "generation", 0);
  server.deleting = !text(metadata, "deletionTimestamp").empty();
  server.finalizers = strings(metadata, "finalizers");

  const json::Value& spec = member(object, "spec", "");
  if (std::string transport = text(spec, "transport"); !transport.empty()) server.transport = transport;
  if (const json::Value* resources = spec.find("resources"); resources && resources->isObject()) {
    if (const json::Value* limits = resources->find("limits")) server.limits = {text(*limits, "cpu"), text(*limits, "memory")};
    if (const json::Value* requests = resources->find("requests")) server.requests = {text(*requests, "cpu"), text(*requests, "memory")};
  }
  server.serviceAccount = text(spec, "serviceAccount");
  server.replicas = number(spec, "replicas", 1);
  if (const json::Value* storage = spec.find("sessionStorage"); storage && storage->isObject()) {
    reportUnsupported(*storage, "spec.sessionStorage", {"provider", "address", "db", "keyPrefix", "passwordRef"}, server.unsupported);
    server.sessionStorage = SessionStorage{text(*storage, "provider"), text(*storage, "address"), text(*storage, "keyPrefix"),
                                           number(*storage, "db", 0), secretRef(*storage, "passwordRef")};
    if (server.sessionStorage->provider == "redis" && server.sessionStorage->address.empty())
      server.invalid.push_back("spec.sessionStorage.address is required with provider redis");
  }
  // Replicas that do not share bindings would each refuse the sessions another opened.
  const bool shared = server.sessionStorage && server.sessionStorage->provider == "redis";
  if (server.replicas > 1 && !shared)
    server.invalid.push_back("spec.replicas: " + std::to_string(server.replicas) +
                             " gateway replicas need spec.sessionStorage with provider redis to share sessions");
  if (const json::Value* ref = spec.find("externalAuthConfigRef"); ref && ref->isObject()) server.externalAuthConfig = text(*ref, "name");

  if (const json::Value* oidc = spec.find("oidcConfig"); oidc && oidc->isObject()) {
    OidcSpec config;
    config.type = text(*oidc, "type");
    config.resourceUrl = text(*oidc, "resourceUrl");
    reportUnsupported(*oidc, "spec.oidcConfig", {"type", "resourceUrl", "inline"}, server.unsupported);
    if (config.type != "inline") server.unsupported.push_back("spec.oidcConfig.type: only 'inline' is supported (got '" + config.type + "')");
    if (const json::Value* in = oidc->find("inline"); in && in->isObject()) {
      reportUnsupported(*in, "spec.oidcConfig.inline",
                        {"issuer", "audience", "jwksUrl", "introspectionUrl", "clientId", "clientSecretRef", "scopes"}, server.unsupported);
      config.inlineConfig = {text(*in, "issuer"), text(*in, "audience"), text(*in, "jwksUrl"), text(*in, "introspectionUrl"),
                             text(*in, "clientId"), secretRef(*in, "clientSecretRef"), strings(*in, "scopes")};
      if (config.inlineConfig.issuer.empty()) server.unsupported.push_back("spec.oidcConfig.inline.issuer is required");
    } else if (config.type == "inline") {
      server.unsupported.push_back("spec.oidcConfig.inline is required with type inline");
    }
    server.oidc = config;
  }
  return server;
}

}  // namespace

ServerSpec readServerSpec(const json::Value& object) {
  ServerSpec server = readCommon(object, WorkloadKind::Server);
  const json::Value& spec = *object.find("spec");
  reportUnsupported(spec, "spec",
                    {"image", "transport", "proxyPort", "mcpPort", "port", "targetPort", "args", "env", "resources", "oidcConfig",
                     "externalAuthConfigRef", "serviceAccount", "replicas", "backendReplicas", "sessionStorage"},
                    server.unsupported);
  server.image = text(spec, "image");
  if (server.image.empty()) server.unsupported.push_back("spec.image is required");
  if (server.transport != "streamable-http" && server.transport != "sse")
    server.unsupported.push_back("spec.transport: " + server.transport +
                                 " servers are not run by moat operator yet (streamable-http and sse are)");
  // ToolHive's older names (port, targetPort) still name the same two ports.
  server.proxyPort = number(spec, "proxyPort", number(spec, "port", 8080));
  server.mcpPort = number(spec, "mcpPort", number(spec, "targetPort", server.proxyPort));
  server.args = strings(spec, "args");
  server.backendReplicas = number(spec, "backendReplicas", 1);
  if (const json::Value* env = spec.find("env"); env && env->isArray())
    for (const auto& item : env->items()) server.env.emplace_back(text(item, "name"), text(item, "value"));
  return server;
}

ServerSpec readRemoteProxySpec(const json::Value& object) {
  ServerSpec proxy = readCommon(object, WorkloadKind::RemoteProxy);
  const json::Value& spec = *object.find("spec");
  reportUnsupported(spec, "spec",
                    {"remoteUrl", "transport", "proxyPort", "resources", "oidcConfig", "externalAuthConfigRef", "serviceAccount", "replicas",
                     "sessionStorage"},
                    proxy.unsupported);
  proxy.remoteUrl = text(spec, "remoteUrl");
  if (proxy.remoteUrl.rfind("https://", 0) != 0 && proxy.remoteUrl.rfind("http://", 0) != 0)
    proxy.unsupported.push_back("spec.remoteUrl: an http:// or https:// URL is required");
  if (proxy.transport != "streamable-http" && proxy.transport != "sse")
    proxy.unsupported.push_back("spec.transport: " + proxy.transport + " (streamable-http or sse)");
  proxy.proxyPort = number(spec, "proxyPort", 8080);
  return proxy;
}

ExternalAuthSpec readExternalAuthSpec(const json::Value& object) {
  ExternalAuthSpec auth;
  std::string ns;
  readMetadata(object, auth.name, ns);
  auth.resourceVersion = text(*object.find("metadata"), "resourceVersion");
  const json::Value& spec = member(object, "spec", "");
  auth.type = text(spec, "type");
  if (auth.type != "tokenExchange") {
    auth.unsupported.push_back("spec.type: '" + auth.type + "' is not supported by moat operator (tokenExchange is)");
    return auth;
  }
  const json::Value* exchange = spec.find("tokenExchange");
  if (!exchange || !exchange->isObject()) {
    auth.unsupported.push_back("spec.tokenExchange is required with type tokenExchange");
    return auth;
  }
  reportUnsupported(*exchange, "spec.tokenExchange",
                    {"tokenUrl", "clientId", "clientSecretRef", "audience", "scopes", "subjectTokenType", "externalTokenHeaderName"},
                    auth.unsupported);
  TokenExchangeSpec te{text(*exchange, "tokenUrl"), text(*exchange, "clientId"), text(*exchange, "audience"),
                       text(*exchange, "subjectTokenType"), text(*exchange, "externalTokenHeaderName"),
                       secretRef(*exchange, "clientSecretRef"), strings(*exchange, "scopes")};
  if (te.tokenUrl.empty()) auth.unsupported.push_back("spec.tokenExchange.tokenUrl is required");
  if (te.audience.empty()) auth.unsupported.push_back("spec.tokenExchange.audience is required");
  auth.tokenExchange = te;
  return auth;
}

bool usesGoogleSts(const TokenExchangeSpec& exchange) { return exchange.audience.rfind("//iam.googleapis.com/", 0) == 0; }

std::vector<SecretKeyRef> referencedSecrets(const ServerSpec& server, const std::optional<ExternalAuthSpec>& auth) {
  std::vector<SecretKeyRef> out;
  if (server.oidc && server.oidc->inlineConfig.clientSecret) out.push_back(*server.oidc->inlineConfig.clientSecret);
  if (server.sessionStorage && server.sessionStorage->password) out.push_back(*server.sessionStorage->password);
  if (auth && auth->tokenExchange && auth->tokenExchange->clientSecret && !usesGoogleSts(*auth->tokenExchange)) out.push_back(*auth->tokenExchange->clientSecret);
  return out;
}

}  // namespace moat::op
