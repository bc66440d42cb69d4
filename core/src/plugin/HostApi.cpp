#include "plugin/HostApi.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "log/Log.h"
#include "moat/json.hpp"
#include "metrics/Counters.h"
#include "net/HttpFetch.h"
#include "plugin/RequestContext.h"
#include "plugin/PluginRegistry.h"

namespace moat::core {
namespace {

std::string_view sv(moat_str s) { return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view(); }
std::string str(moat_str s) { return std::string(sv(s)); }
moat_str view(const std::string& s) { return moat_str{s.data(), s.size()}; }
void put(moat_sink* sink, std::string_view text) {
  if (sink && sink->write) sink->write(sink->ctx, text.data(), text.size());
}

log::Level toLevel(moat_log_level level) {
  switch (level) {
    case MOAT_LOG_TRACE: return log::Level::Trace;
    case MOAT_LOG_DEBUG: return log::Level::Debug;
    case MOAT_LOG_INFO: return log::Level::Info;
    case MOAT_LOG_WARN: return log::Level::Warn;
    case MOAT_LOG_ERROR: return log::Level::Error;
  }
  return log::Level::Info;
}

std::string component(moat_host_context* ctx) { return ctx ? "plugin:" + ctx->pluginName : "plugin"; }

int headerGet(const net::HeaderList& headers, moat_str name, moat_str* value) {
  auto it = headers.find(str(name));
  if (it == headers.end()) return 0;
  *value = view(it->second);
  return 1;
}

moat_host_api buildTable() {
  moat_host_api api{};
  api.struct_size = sizeof(moat_host_api);
  api.abi_version = MOAT_ABI_VERSION;
  api.log = [](moat_host_context* ctx, moat_log_level level, moat_str message) {
    // Plugins log without asking first; a disabled level must not cost the field's copy.
    if (!log::enabled(toLevel(level))) return;
    if (ctx && !ctx->instanceName.empty())
      log::write(toLevel(level), component(ctx), sv(message), {{"instance", ctx->instanceName}});
    else
      log::write(toLevel(level), component(ctx), sv(message));
  };
  api.log_enabled = [](moat_host_context*, moat_log_level level) { return log::enabled(toLevel(level)) ? 1 : 0; };
  api.now_unix_ms = [] {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count());
  };
  api.monotonic_ms = [] {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now().time_since_epoch()).count());
  };
  api.env_get = [](moat_host_context*, moat_str name, moat_sink* out) {
    const char* value = std::getenv(str(name).c_str());
    if (!value) return 0;
    put(out, value);
    return 1;
  };
  api.secret_file_read = [](moat_host_context*, moat_str path, moat_sink* out, moat_sink* error) {
    std::ifstream in(str(path), std::ios::binary);
    if (!in) {
      put(error, "cannot read secret file " + str(path));
      return 0;
    }
    std::stringstream contents;
    contents << in.rdbuf();
    std::string secret = contents.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    put(out, secret);
    return 1;
  };
  api.counter_add = [](moat_host_context* ctx, moat_str name, int64_t delta) {
    // A per-thread buffer: stages count on every request, and "plugin.name" rarely fits a
    // string's inline storage.
    thread_local std::string key;
    key.clear();
    if (ctx) key.append(ctx->pluginName).append(".");
    key.append(sv(name));
    metrics::add(key, ctx ? std::string_view(ctx->instanceName) : std::string_view(), delta);
  };
  api.http_fetch = [](moat_host_context*, const moat_http_call* call, moat_http_result* result, moat_sink* error) {
    if (!call || !abiCarries(*call, &moat_http_call::timeout_ms) || !result || !abiCarries(*result, &moat_http_result::body)) {
      put(error, "malformed moat_http_call");
      return 0;
    }
    net::FetchRequest request;
    request.method = str(call->method);
    request.url = str(call->url);
    request.body = str(call->body);
    if (call->timeout_ms) request.timeoutMs = static_cast<int>(call->timeout_ms);
    for (size_t i = 0; i < call->header_count; ++i) request.headers.emplace_back(str(call->header_names[i]), str(call->header_values[i]));
    try {
      net::FetchResponse response = net::fetch(request);
      result->status = static_cast<uint16_t>(response.status);
      for (const auto& [n, v] : response.headers) put(&result->headers, n + ": " + v + "\r\n");
      put(&result->body, response.body);
      return 1;
    } catch (const std::exception& e) {
      put(error, e.what());
      return 0;
    }
  };
  api.request_id = [](moat_request* r) { return view(r->requestId); };
  api.request_method = [](moat_request* r) { return view(r->httpMethod); };
  api.request_path = [](moat_request* r) { return view(r->path); };
  api.request_body = [](moat_request* r) { return view(r->body); };
  api.request_rpc_method = [](moat_request* r) { return view(r->rpcMethod()); };
  api.request_remote_address = [](moat_request* r) { return view(r->remoteAddress); };
  api.request_server_name = [](moat_request* r) { return view(r->serverName); };
  api.request_header_get = [](moat_request* r, moat_str n, moat_str* v) { return headerGet(r->upstreamHeaders, n, v); };
  api.request_header_set = [](moat_request* r, moat_str n, moat_str v) { r->upstreamHeaders.set(str(n), str(v)); };
  api.request_header_remove = [](moat_request* r, moat_str n) { r->upstreamHeaders.erase(str(n)); };
  api.request_client_credential = [](moat_request* r, moat_str* v) {
    if (!r->clientAuthorization) return 0;
    *v = view(*r->clientAuthorization);
    return 1;
  };
  api.identity_set = [](moat_request* r, moat_str subject, moat_str claims) {
    r->identitySubject = str(subject);
    r->identityClaims = claims.len ? str(claims) : "{}";
  };
  api.identity_get = [](moat_request* r, moat_str* subject, moat_str* claims) {
    if (!r->identitySubject) return 0;
    *subject = view(*r->identitySubject);
    *claims = view(r->identityClaims);
    return 1;
  };
  api.reply = [](moat_request* r, uint16_t status, const moat_str* names, const moat_str* values, size_t count, moat_str body) {
    moat_request::LocalReply reply;
    reply.status = status;
    reply.body = str(body);
    for (size_t i = 0; i < count; ++i) reply.headers.emplace_back(str(names[i]), str(values[i]));
    r->reply = std::move(reply);
  };
  api.response_status = [](moat_request* r) { return r->responseStatus; };
  api.response_header_get = [](moat_request* r, moat_str n, moat_str* v) { return headerGet(r->responseHeaders, n, v); };
  api.response_header_set = [](moat_request* r, moat_str n, moat_str v) { r->responseHeaders.set(str(n), str(v)); };
  api.response_header_remove = [](moat_request* r, moat_str n) { r->responseHeaders.erase(str(n)); };
  api.request_resource_url = [](moat_request* r) { return view(r->resourceUrl); };
  api.request_resource_metadata_url = [](moat_request* r) { return view(r->resourceMetadataUrl); };
  api.request_credential_set = [](moat_request* r, moat_str n, moat_str v) { r->credentials[str(n)] = str(v); };
  api.request_credential_get = [](moat_request* r, moat_str n, moat_str* v) {
    auto it = r->credentials.find(str(n));
    if (it == r->credentials.end()) return 0;
    *v = view(it->second);
    return 1;
  };
  api.instance_name = [](moat_host_context* ctx) { return ctx ? view(ctx->instanceName) : moat_str{nullptr, 0}; };
  api.request_rpc_target = [](moat_request* r) { return view(r->rpcTarget()); };
  api.request_note_set = [](moat_request* r, moat_str n, moat_str v) { r->notes[str(n)] = str(v); };
  api.request_note_get = [](moat_request* r, moat_str n, moat_str* v) {
    auto it = r->notes.find(str(n));
    if (it == r->notes.end()) return 0;
    *v = view(it->second);
    return 1;
  };
  api.request_notes_json = [](moat_request* r) {
    std::string out = "{";
    for (const auto& [name, value] : r->notes) out += (out.size() > 1 ? "," : "") + json::quote(name) + ":" + json::quote(value);
    r->notesJson = out + "}";
    return view(r->notesJson);
  };
  return api;
}

}  // namespace

const moat_host_api* hostApi() {
  static const moat_host_api table = buildTable();
  return &table;
}

}  // namespace moat::core
