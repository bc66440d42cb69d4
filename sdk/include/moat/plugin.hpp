// Header-only C++17 wrapper over moat/abi.h for plugin authors: classes instead of function
// tables, exceptions turned into MOAT_STATUS_FAILED at the boundary, and one registration macro
// per plugin kind. Compiled into the plugin; nothing here is shared with the host.
#pragma once

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "moat/abi.h"
#include "moat/json.hpp"
#include "moat/jsonrpc.hpp"

namespace moat {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline moat_str toAbi(std::string_view s) { return moat_str{s.data(), s.size()}; }
inline std::string_view fromAbi(moat_str s) { return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view(); }

inline moat_sink sinkInto(std::string& out) {
  return moat_sink{&out, [](void* ctx, const char* data, size_t len) { static_cast<std::string*>(ctx)->append(data, len); }};
}
inline void writeTo(moat_sink* sink, std::string_view text) {
  if (sink && sink->write) sink->write(sink->ctx, text.data(), text.size());
}

enum class Status { Continue = MOAT_STATUS_CONTINUE, Replied = MOAT_STATUS_REPLIED, Failed = MOAT_STATUS_FAILED, Retry = MOAT_STATUS_RETRY };

// Host services, as given to the plugin at init.
class Host {
 public:
  Host(const moat_host_api* api, moat_host_context* ctx) : api_(api), ctx_(ctx) {}

  void log(moat_log_level level, std::string_view message) const { api_->log(ctx_, level, toAbi(message)); }
  void debug(std::string_view m) const { log(MOAT_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(MOAT_LOG_INFO, m); }
  void warn(std::string_view m) const { log(MOAT_LOG_WARN, m); }
  void error(std::string_view m) const { log(MOAT_LOG_ERROR, m); }

  int64_t nowUnixMs() const { return api_->now_unix_ms(); }
  int64_t monotonicMs() const { return api_->monotonic_ms(); }

  std::optional<std::string> env(std::string_view name) const {
    std::string out;
    moat_sink sink = sinkInto(out);
    if (!api_->env_get(ctx_, toAbi(name), &sink)) return std::nullopt;
    return out;
  }
  // Throws std::runtime_error with the host's reason (never the contents).
  std::string readSecretFile(std::string_view path) const {
    std::string out, err;
    moat_sink outSink = sinkInto(out), errSink = sinkInto(err);
    if (!api_->secret_file_read(ctx_, toAbi(path), &outSink, &errSink)) throw std::runtime_error(err);
    return out;
  }
  void count(std::string_view name, int64_t delta = 1) const { api_->counter_add(ctx_, toAbi(name), delta); }

  // The instance's name ("<server>/<plugin>" for a pipeline stage), for messages about its
  // configuration; empty in plugin-wide code and on a host older than ABI 1.3.
  std::string_view instanceName() const {
    if (!MOAT_ABI_HAS(api_, moat_host_api, instance_name)) return {};
    return fromAbi(api_->instance_name(ctx_));
  }

  struct HttpResponse {
    int status = 0;
    std::string headers;  // "Name: value\r\n" lines
    std::string body;
  };
  // Throws std::runtime_error on a transport failure or timeout.
  HttpResponse fetch(std::string_view method, std::string_view url, const Headers& headers = {},
                     std::string_view body = {}, uint32_t timeoutMs = 0) const {
    std::vector<moat_str> names, values;
    for (const auto& [n, v] : headers) { names.push_back(toAbi(n)); values.push_back(toAbi(v)); }
    moat_http_call call{sizeof(moat_http_call), toAbi(method), toAbi(url), names.data(), values.data(),
                        headers.size(), toAbi(body), timeoutMs};
    HttpResponse response;
    std::string err;
    moat_http_result result{sizeof(moat_http_result), 0, sinkInto(response.headers), sinkInto(response.body)};
    moat_sink errSink = sinkInto(err);
    if (!api_->http_fetch(ctx_, &call, &result, &errSink)) throw std::runtime_error(err);
    response.status = result.status;
    return response;
  }

  const moat_host_api* api() const { return api_; }
  moat_host_context* context() const { return ctx_; }

 private:
  const moat_host_api* api_;
  moat_host_context* ctx_;
};

// One request, as seen by a filter hook. Views returned here die with the hook call.
class Request {
 public:
  Request(const moat_host_api* api, moat_request* req) : api_(api), req_(req) {}

  std::string_view id() const { return fromAbi(api_->request_id(req_)); }
  std::string_view method() const { return fromAbi(api_->request_method(req_)); }
  std::string_view path() const { return fromAbi(api_->request_path(req_)); }
  std::string_view body() const { return fromAbi(api_->request_body(req_)); }
  std::string_view rpcMethod() const { return fromAbi(api_->request_rpc_method(req_)); }
  std::string_view remoteAddress() const { return fromAbi(api_->request_remote_address(req_)); }
  std::string_view serverName() const { return fromAbi(api_->request_server_name(req_)); }

  std::optional<std::string_view> header(std::string_view name) const {
    moat_str value{nullptr, 0};
    if (!api_->request_header_get(req_, toAbi(name), &value)) return std::nullopt;
    return fromAbi(value);
  }
  void setHeader(std::string_view name, std::string_view value) { api_->request_header_set(req_, toAbi(name), toAbi(value)); }
  void removeHeader(std::string_view name) { api_->request_header_remove(req_, toAbi(name)); }

  // Empty when the host predates ABI 1.1.
  std::string_view resourceUrl() const {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_resource_url)) return {};
    return fromAbi(api_->request_resource_url(req_));
  }
  std::string_view resourceMetadataUrl() const {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_resource_metadata_url)) return {};
    return fromAbi(api_->request_resource_metadata_url(req_));
  }

  // Named credentials a stage handed on (ABI 1.2); absent on an older host.
  std::optional<std::string_view> credential(std::string_view name) const {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_credential_get)) return std::nullopt;
    moat_str value{nullptr, 0};
    if (!api_->request_credential_get(req_, toAbi(name), &value)) return std::nullopt;
    return fromAbi(value);
  }
  // Returns false on a host older than ABI 1.2, which cannot carry it.
  bool setCredential(std::string_view name, std::string_view value) {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_credential_set)) return false;
    api_->request_credential_set(req_, toAbi(name), toAbi(value));
    return true;
  }

  // What the method acts on: a tool or prompt name, a resource URI (ABI 1.5); empty on an older host.
  std::string_view rpcTarget() const {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_rpc_target)) return {};
    return fromAbi(api_->request_rpc_target(req_));
  }
  // Notes for later stages and audit (ABI 1.5): never secret, never sent upstream.
  std::optional<std::string_view> note(std::string_view name) const {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_note_get)) return std::nullopt;
    moat_str value{nullptr, 0};
    if (!api_->request_note_get(req_, toAbi(name), &value)) return std::nullopt;
    return fromAbi(value);
  }
  // Returns false on a host older than ABI 1.5, which cannot carry it.
  bool setNote(std::string_view name, std::string_view value) {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_note_set)) return false;
    api_->request_note_set(req_, toAbi(name), toAbi(value));
    return true;
  }
  // Every note as a JSON object of strings.
  std::string_view notesJson() const {
    if (!MOAT_ABI_HAS(api_, moat_host_api, request_notes_json)) return "{}";
    return fromAbi(api_->request_notes_json(req_));
  }

  std::optional<std::string_view> clientCredential() const {
    moat_str value{nullptr, 0};
    if (!api_->request_client_credential(req_, &value)) return std::nullopt;
    return fromAbi(value);
  }

  void setIdentity(std::string_view subject, std::string_view claimsJson = "{}") {
    api_->identity_set(req_, toAbi(subject), toAbi(claimsJson));
  }
  struct Identity {
    std::string_view subject;
    std::string_view claimsJson;
  };
  std::optional<Identity> identity() const {
    moat_str subject{nullptr, 0}, claims{nullptr, 0};
    if (!api_->identity_get(req_, &subject, &claims)) return std::nullopt;
    return Identity{fromAbi(subject), fromAbi(claims)};
  }

  Status reply(uint16_t status, std::string_view body, const Headers& headers = {}) {
    std::vector<moat_str> names, values;
    for (const auto& [n, v] : headers) { names.push_back(toAbi(n)); values.push_back(toAbi(v)); }
    api_->reply(req_, status, names.data(), values.data(), headers.size(), toAbi(body));
    return Status::Replied;
  }
  // A JSON-RPC error reply carrying the id of the request it answers; `code` from moat/jsonrpc.hpp.
  Status replyRpcError(uint16_t status, int code, std::string_view message, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return reply(status, jsonrpc::errorBody(jsonrpc::idJson(body()), code, message), headers);
  }

  uint16_t responseStatus() const { return api_->response_status(req_); }
  std::optional<std::string_view> responseHeader(std::string_view name) const {
    moat_str value{nullptr, 0};
    if (!api_->response_header_get(req_, toAbi(name), &value)) return std::nullopt;
    return fromAbi(value);
  }
  void setResponseHeader(std::string_view n, std::string_view v) { api_->response_header_set(req_, toAbi(n), toAbi(v)); }
  void removeResponseHeader(std::string_view n) { api_->response_header_remove(req_, toAbi(n)); }

 private:
  const moat_host_api* api_;
  moat_request* req_;
};

// How a request ended (ABI 1.5), for onComplete.
enum class Outcome { Success = MOAT_OUTCOME_SUCCESS, Error = MOAT_OUTCOME_ERROR, Denied = MOAT_OUTCOME_DENIED, Failure = MOAT_OUTCOME_FAILURE };
struct Completion {
  uint16_t status = 0;  // 0: nothing could be sent
  Outcome outcome = Outcome::Success;
  int rpcErrorCode = 0;  // the gateway's own JSON-RPC error, else 0
  int64_t durationUs = 0;
  uint64_t requestBytes = 0;
  uint64_t responseBytes = 0;
  std::string_view answeredBy;  // the stage that replied or failed; empty otherwise
};

// Base of authenticators, authorizers, exchangers and stages. Derived classes need a
// constructor (const Host&, const json::Value& config) that throws on a bad configuration.
class Filter {
 public:
  virtual ~Filter() = default;
  virtual Status onRequest(Request& request) = 0;
  virtual Status onResponse(Request&) { return Status::Continue; }
  // Once per request after its answer, whichever stage gave it (ABI 1.5). The host calls it
  // only for plugins that override it.
  virtual void onComplete(Request&, const Completion&) {}
  // Whether the instance can serve now (ABI 1.5; GET /readyz); false with `why` when not.
  // The host calls it only for plugins that override it.
  virtual bool ready(std::string& /*why*/) { return true; }
  // RFC 9728 fields as a JSON object, or empty.
  virtual std::string resourceMetadata() const { return {}; }
};

// What an authorizer is asked (ABI 1.6); see moat_authz_query. Views die with the call.
struct AuthzQuery {
  std::string_view feature;          // "tool", "prompt", "resource"
  std::string_view operation;        // "call", "get", "read"
  std::string_view target;           // the tool or prompt name, the resource URI
  std::string_view argumentsJson;    // a JSON object, "{}" when none
  std::string_view annotationsJson;  // the tool's annotations, "{}" when unknown
};
enum class Decision { Deny = MOAT_DECISION_DENY, Allow = MOAT_DECISION_ALLOW };

// Base of authorizers (ABI 1.6). The host asks authorize() for every request that acts on a
// tool, prompt or resource and for each item of a list answer; a throw is a failure, which the
// host denies. Called from several threads at once.
class Authorizer : public Filter {
 public:
  Status onRequest(Request&) override { return Status::Continue; }
  virtual Decision authorize(Request& request, const AuthzQuery& query) = 0;
};

// Base of runtime plugins. Methods throw std::runtime_error on failure.
class Runtime {
 public:
  virtual ~Runtime() = default;
  virtual std::string start(std::string_view specJson) = 0;  // returns state JSON
  virtual void stop(std::string_view id, uint32_t timeoutMs) = 0;
  virtual std::string inspect(std::string_view id) = 0;
  virtual void remove(std::string_view id) = 0;
  virtual std::string list() { return "[]"; }
  virtual void logs(std::string_view, bool, moat_sink*) { throw std::runtime_error("logs are not supported"); }
  virtual std::pair<int, int> attachStdio(std::string_view) { throw std::runtime_error("stdio attach is not supported"); }
};

// Base of tunnel plugins. Methods throw std::runtime_error on failure.
class Tunnel {
 public:
  virtual ~Tunnel() = default;
  virtual std::string open(std::string_view localUrl) = 0;  // returns the public URL
  virtual std::string status() { return "{}"; }
  virtual void close() = 0;
};

// Since ABI 1.7: a store several replicas of one gateway share (MOAT_SESSION_STORE_PLUGIN).
// Every method may be called from many threads at once and must bound its own time; throw
// (any std::exception) when the store cannot be reached: the host reports it as unavailable.
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual void put(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) = 0;
  // nullopt when the key is absent or expired.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  // false when the key is absent or expired.
  virtual bool touch(std::string_view key, std::chrono::milliseconds ttl) = 0;
  virtual void remove(std::string_view key) = 0;
};

namespace detail {

// Runs `body`, turning any exception into a message in `error` and `onError`.
template <class Fn, class R>
R guarded(moat_sink* error, R onError, Fn&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    writeTo(error, e.what());
  } catch (...) {
    writeTo(error, "unknown exception in plugin");
  }
  return onError;
}

template <class T>
struct PluginState {
  static inline const moat_host_api* api = nullptr;
  static inline moat_plugin_descriptor descriptor{};
  static inline moat_filter_hooks filterHooks{};
  static inline moat_runtime_hooks runtimeHooks{};
  static inline moat_tunnel_hooks tunnelHooks{};
  static inline moat_session_store_hooks sessionStoreHooks{};

  static void* create(moat_host_context* ctx, moat_str config, moat_sink* error) noexcept {
    return guarded(error, static_cast<void*>(nullptr), [&]() -> void* {
      json::Value parsed = config.len ? json::parse(fromAbi(config)) : json::Value::makeObject();
      return new T(Host(api, ctx), parsed);
    });
  }
  static void destroy(void* instance) noexcept { delete static_cast<T*>(instance); }
};

template <class T>
int initCommon(const moat_host_api* host, const moat_plugin_descriptor** out, moat_sink* error,
               moat_plugin_kind kind, const char* name, const char* version, const char* description) {
  // A 1.0 host is accepted: accessors added later check struct_size when called.
  if (!host || host->struct_size < offsetof(moat_host_api, request_resource_url) ||
      (host->abi_version >> 16) != MOAT_ABI_VERSION_MAJOR) {
    writeTo(error, "host ABI is older than the one this plugin was built for");
    return 0;
  }
  using S = PluginState<T>;
  S::api = host;
  S::descriptor.struct_size = sizeof(moat_plugin_descriptor);
  S::descriptor.abi_version = MOAT_ABI_VERSION;
  S::descriptor.name = toAbi(name);
  S::descriptor.version = toAbi(version);
  S::descriptor.description = toAbi(description);
  S::descriptor.kind = kind;
  S::descriptor.instance_create = &S::create;
  S::descriptor.instance_destroy = &S::destroy;
  *out = &S::descriptor;
  return 1;
}

template <class T>
int initFilter(const moat_host_api* host, const moat_plugin_descriptor** out, moat_sink* error, moat_plugin_kind kind,
               const char* name, const char* version, const char* description) {
  using S = PluginState<T>;
  S::filterHooks.struct_size = sizeof(moat_filter_hooks);
  S::filterHooks.on_request = [](void* inst, moat_request* req, moat_sink* err) noexcept {
    return guarded(err, MOAT_STATUS_FAILED, [&] {
      Request r(S::api, req);
      return static_cast<moat_status>(static_cast<T*>(inst)->onRequest(r));
    });
  };
  S::filterHooks.on_response = [](void* inst, moat_request* req, moat_sink* err) noexcept {
    return guarded(err, MOAT_STATUS_FAILED, [&] {
      Request r(S::api, req);
      return static_cast<moat_status>(static_cast<T*>(inst)->onResponse(r));
    });
  };
  // Only a class that overrides onComplete gets the hook, so the host skips the others. (The
  // member pointers of an override and of the base compare equal: both name the virtual slot.)
  if constexpr (!std::is_same_v<decltype(&T::onComplete), void (Filter::*)(Request&, const Completion&)>)
    S::filterHooks.on_complete = [](void* inst, moat_request* req, const moat_completion* done) noexcept {
      guarded(nullptr, 0, [&] {
        Request r(S::api, req);
        Completion c;
        c.status = done->status;
        c.outcome = static_cast<Outcome>(done->outcome);
        c.rpcErrorCode = done->rpc_error_code;
        c.durationUs = done->duration_us;
        c.requestBytes = done->request_bytes;
        c.responseBytes = done->response_bytes;
        c.answeredBy = fromAbi(done->answered_by);
        static_cast<T*>(inst)->onComplete(r, c);
        return 0;
      });
    };
  if constexpr (!std::is_same_v<decltype(&T::ready), bool (Filter::*)(std::string&)>)
    S::filterHooks.ready = [](void* inst, moat_sink* why) noexcept {
      std::string reason;
      const int ok = guarded(why, 0, [&] { return static_cast<T*>(inst)->ready(reason) ? 1 : 0; });
      if (!ok && !reason.empty()) writeTo(why, reason);
      return ok;
    };
  if constexpr (std::is_base_of_v<Authorizer, T>)
    S::filterHooks.authorize = [](void* inst, moat_request* req, const moat_authz_query* q, moat_sink* err) noexcept {
      return guarded(err, MOAT_DECISION_FAILED, [&] {
        Request r(S::api, req);
        AuthzQuery query{fromAbi(q->feature), fromAbi(q->operation), fromAbi(q->target), fromAbi(q->arguments_json),
                         fromAbi(q->annotations_json)};
        return static_cast<moat_decision>(static_cast<T*>(inst)->authorize(r, query));
      });
    };
  S::filterHooks.resource_metadata = [](void* inst, moat_sink* out) noexcept {
    return guarded(nullptr, 0, [&] {
      std::string fields = static_cast<T*>(inst)->resourceMetadata();
      writeTo(out, fields);
      return fields.empty() ? 0 : 1;
    });
  };
  S::descriptor.filter = &S::filterHooks;
  return initCommon<T>(host, out, error, kind, name, version, description);
}

template <class T>
int initRuntime(const moat_host_api* host, const moat_plugin_descriptor** out, moat_sink* error, const char* name,
                const char* version, const char* description) {
  using S = PluginState<T>;
  auto& h = S::runtimeHooks;
  h.struct_size = sizeof(moat_runtime_hooks);
  h.start = [](void* i, moat_str spec, moat_sink* state, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { writeTo(state, static_cast<T*>(i)->start(fromAbi(spec))); return 1; });
  };
  h.stop = [](void* i, moat_str id, uint32_t timeoutMs, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { static_cast<T*>(i)->stop(fromAbi(id), timeoutMs); return 1; });
  };
  h.inspect = [](void* i, moat_str id, moat_sink* state, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { writeTo(state, static_cast<T*>(i)->inspect(fromAbi(id))); return 1; });
  };
  h.remove = [](void* i, moat_str id, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { static_cast<T*>(i)->remove(fromAbi(id)); return 1; });
  };
  h.list = [](void* i, moat_sink* out, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { writeTo(out, static_cast<T*>(i)->list()); return 1; });
  };
  h.logs = [](void* i, moat_str id, int follow, moat_sink* out, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { static_cast<T*>(i)->logs(fromAbi(id), follow != 0, out); return 1; });
  };
  h.attach_stdio = [](void* i, moat_str id, int* in, int* outFd, moat_sink* err) noexcept {
    return guarded(err, 0, [&] {
      auto fds = static_cast<T*>(i)->attachStdio(fromAbi(id));
      *in = fds.first;
      *outFd = fds.second;
      return 1;
    });
  };
  S::descriptor.runtime = &h;
  return initCommon<T>(host, out, error, MOAT_KIND_RUNTIME, name, version, description);
}

template <class T>
int initTunnel(const moat_host_api* host, const moat_plugin_descriptor** out, moat_sink* error, const char* name,
               const char* version, const char* description) {
  using S = PluginState<T>;
  auto& h = S::tunnelHooks;
  h.struct_size = sizeof(moat_tunnel_hooks);
  h.open = [](void* i, moat_str local, moat_sink* publicUrl, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { writeTo(publicUrl, static_cast<T*>(i)->open(fromAbi(local))); return 1; });
  };
  h.status = [](void* i, moat_sink* state, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { writeTo(state, static_cast<T*>(i)->status()); return 1; });
  };
  h.close = [](void* i, moat_sink* err) noexcept {
    return guarded(err, 0, [&] { static_cast<T*>(i)->close(); return 1; });
  };
  S::descriptor.tunnel = &h;
  return initCommon<T>(host, out, error, MOAT_KIND_TUNNEL, name, version, description);
}

template <class T>
int initSessionStore(const moat_host_api* host, const moat_plugin_descriptor** out, moat_sink* error, const char* name,
                     const char* version, const char* description) {
  using S = PluginState<T>;
  auto& h = S::sessionStoreHooks;
  h.struct_size = sizeof(moat_session_store_hooks);
  h.put = [](void* i, moat_str key, moat_str value, uint32_t ttlMs, moat_sink* err) noexcept {
    return guarded(err, MOAT_STORE_UNAVAILABLE, [&] {
      static_cast<T*>(i)->put(fromAbi(key), fromAbi(value), std::chrono::milliseconds(ttlMs));
      return MOAT_STORE_OK;
    });
  };
  h.get = [](void* i, moat_str key, moat_sink* value, moat_sink* err) noexcept {
    return guarded(err, MOAT_STORE_UNAVAILABLE, [&] {
      auto found = static_cast<T*>(i)->get(fromAbi(key));
      if (!found) return MOAT_STORE_NOT_FOUND;
      writeTo(value, *found);
      return MOAT_STORE_OK;
    });
  };
  h.touch = [](void* i, moat_str key, uint32_t ttlMs, moat_sink* err) noexcept {
    return guarded(err, MOAT_STORE_UNAVAILABLE, [&] {
      return static_cast<T*>(i)->touch(fromAbi(key), std::chrono::milliseconds(ttlMs)) ? MOAT_STORE_OK : MOAT_STORE_NOT_FOUND;
    });
  };
  h.remove = [](void* i, moat_str key, moat_sink* err) noexcept {
    return guarded(err, MOAT_STORE_UNAVAILABLE, [&] {
      static_cast<T*>(i)->remove(fromAbi(key));
      return MOAT_STORE_OK;
    });
  };
  S::descriptor.session_store = &h;
  return initCommon<T>(host, out, error, MOAT_KIND_SESSION_STORE, name, version, description);
}

}  // namespace detail
}  // namespace moat

#define MOAT_DETAIL_ABI_VERSION_EXPORT \
  extern "C" MOAT_EXPORT uint32_t moat_plugin_abi_version(void) { return MOAT_ABI_VERSION; }

// Registers CLASS (derived from moat::Filter) as this library's plugin. KIND is one of
// MOAT_KIND_AUTHENTICATOR, MOAT_KIND_AUTHORIZER, MOAT_KIND_EXCHANGER, MOAT_KIND_STAGE.
#define MOAT_FILTER_PLUGIN(KIND, NAME, VERSION, DESCRIPTION, CLASS)                                              \
  MOAT_DETAIL_ABI_VERSION_EXPORT                                                                                 \
  extern "C" MOAT_EXPORT int moat_plugin_init(const moat_host_api* host, moat_host_context*,                      \
                                              const moat_plugin_descriptor** out, moat_sink* error) {           \
    return ::moat::detail::initFilter<CLASS>(host, out, error, KIND, NAME, VERSION, DESCRIPTION);               \
  }

#define MOAT_RUNTIME_PLUGIN(NAME, VERSION, DESCRIPTION, CLASS)                                                    \
  MOAT_DETAIL_ABI_VERSION_EXPORT                                                                                 \
  extern "C" MOAT_EXPORT int moat_plugin_init(const moat_host_api* host, moat_host_context*,                      \
                                              const moat_plugin_descriptor** out, moat_sink* error) {           \
    return ::moat::detail::initRuntime<CLASS>(host, out, error, NAME, VERSION, DESCRIPTION);                    \
  }

#define MOAT_TUNNEL_PLUGIN(NAME, VERSION, DESCRIPTION, CLASS)                                                     \
  MOAT_DETAIL_ABI_VERSION_EXPORT                                                                                 \
  extern "C" MOAT_EXPORT int moat_plugin_init(const moat_host_api* host, moat_host_context*,                      \
                                              const moat_plugin_descriptor** out, moat_sink* error) {           \
    return ::moat::detail::initTunnel<CLASS>(host, out, error, NAME, VERSION, DESCRIPTION);                     \
  }

#define MOAT_SESSION_STORE_PLUGIN(NAME, VERSION, DESCRIPTION, CLASS)                                              \
  MOAT_DETAIL_ABI_VERSION_EXPORT                                                                                 \
  extern "C" MOAT_EXPORT int moat_plugin_init(const moat_host_api* host, moat_host_context*,                      \
                                              const moat_plugin_descriptor** out, moat_sink* error) {           \
    return ::moat::detail::initSessionStore<CLASS>(host, out, error, NAME, VERSION, DESCRIPTION);               \
  }
