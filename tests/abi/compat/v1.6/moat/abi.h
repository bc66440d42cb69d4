/*
 * Moat plugin ABI, version 1 (minor 5).
 *
 * This header is the whole contract between the Moat host and a plugin. It is plain C so that a
 * plugin built with another compiler, another C++ standard library or another language loads.
 *
 * Rules that hold for every declaration below:
 *   - Every name is prefixed `moat_` / `MOAT_`.
 *   - Strings cross the boundary as `moat_str` views: pointer + length, not NUL-terminated,
 *     owned by the side that passed them and valid only for the duration of the call unless a
 *     comment says otherwise. Copy what you keep.
 *   - Data flowing back to the caller is written through a `moat_sink` the caller owns.
 *   - No C++ exception may cross the boundary in either direction.
 *   - Nothing allocated on one side is freed on the other: each side frees what it allocated.
 *
 * Versions. MOAT_ABI_VERSION is major << 16 | minor.
 *   - A minor version only appends: fields at the end of a struct, entries at the end of the
 *     host services table. Nothing is moved, resized or removed; tests/abi pins every offset.
 *   - Every struct starts with `struct_size`, set by the side that fills it in to the sizeof it
 *     was compiled with. A reader uses a field only when `struct_size` covers it (see
 *     MOAT_ABI_HAS below); a field past `struct_size` is absent.
 *   - The host loads a plugin of its own major and any minor up to its own, and reads only the
 *     fields that plugin's minor has. It refuses a newer minor (the plugin may rely on services
 *     this host lacks) and another major, naming both versions.
 *   - A plugin receives a host services table at least as new as its own minor.
 *
 * Lifecycle, identical for every plugin kind:
 *   1. the host calls moat_plugin_abi_version() and checks the version;
 *   2. moat_plugin_init() once per process: the plugin receives the host services and returns
 *      its descriptor (static storage, valid until the library is unloaded);
 *   3. descriptor->instance_create() once per pipeline stage (or runtime/tunnel use), with that
 *      stage's configuration as JSON;
 *   4. hooks on instances (request hooks, runtime or tunnel calls);
 *   5. descriptor->instance_destroy() for every instance, then descriptor->plugin_shutdown(),
 *      then the library is unloaded.
 *
 * Threads. The host serves requests on many threads at once.
 *   - moat_plugin_abi_version, moat_plugin_init, instance_create, instance_destroy and
 *     plugin_shutdown run on one thread at a time, never concurrently with any other callback
 *     of the same plugin. instance_destroy runs only after every hook on that instance returned.
 *   - Request hooks (on_request, on_response) and resource_metadata run concurrently with
 *     themselves and with each other on the same instance, on the host's connection threads:
 *     an instance must be thread-safe. A hook blocks the one request it serves, so it may block
 *     on I/O (a JWKS fetch, a token exchange) but should bound that time.
 *   - Runtime hooks run concurrently with each other and with themselves on one instance (the
 *     gateway supervises several workloads while the CLI inspects them). `logs` with follow may
 *     block its calling thread until the workload exits.
 *   - Tunnel hooks on one instance are called one at a time (the host serialises them).
 *   - Every host service may be called from any thread, concurrently, at any time between
 *     moat_plugin_init and the return of plugin_shutdown. Request accessors only on the thread
 *     running the hook for that request, during that hook.
 *
 * Lifetimes, on top of the default rule for moat_str (valid for the call):
 *   - moat_host_api* and the moat_host_context* given to moat_plugin_init: until unload.
 *   - The moat_host_context* given to instance_create: until instance_destroy returns.
 *   - moat_request*: during the hook it is passed to; the views its accessors return die with
 *     the request, or earlier when the same value is set again.
 *   - The descriptor and the hook tables it points to: owned by the plugin, until unload.
 *   - The `void* instance` returned by instance_create: owned by the plugin, freed by
 *     instance_destroy.
 *   - File descriptors returned by attach_stdio: owned by the host from then on.
 */
#ifndef MOAT_ABI_H
#define MOAT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOAT_ABI_VERSION_MAJOR 1
#define MOAT_ABI_VERSION_MINOR 6
#define MOAT_ABI_VERSION ((uint32_t)((MOAT_ABI_VERSION_MAJOR << 16) | MOAT_ABI_VERSION_MINOR))

/* True when `object` (a pointer to a struct with struct_size) carries `field`. */
#define MOAT_ABI_HAS(object, type, field) \
  ((object)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

#if defined(__GNUC__)
#define MOAT_EXPORT __attribute__((visibility("default")))
#else
#define MOAT_EXPORT
#endif

/* ---------------------------------------------------------------- basic types */

/* A borrowed string view. `ptr` may be NULL only when `len` is 0. */
typedef struct moat_str {
  const char* ptr;
  size_t len;
} moat_str;

/* A caller-owned output channel. The callee calls write() zero or more times; the bytes are
 * appended. Valid only during the call it is passed to. */
typedef struct moat_sink {
  void* ctx;
  void (*write)(void* ctx, const char* data, size_t len);
} moat_sink;

typedef enum moat_plugin_kind {
  MOAT_KIND_AUTHENTICATOR = 1, /* establishes the caller's identity or replies 401 */
  MOAT_KIND_AUTHORIZER = 2,    /* allows the identified caller's request or replies 403 */
  MOAT_KIND_EXCHANGER = 3,     /* swaps the caller's credential for one the upstream accepts */
  MOAT_KIND_STAGE = 4,         /* any other request/response transformation (headers, audit) */
  MOAT_KIND_RUNTIME = 5,       /* owns workload lifecycle: processes, containers */
  MOAT_KIND_TUNNEL = 6         /* publishes a local endpoint to the outside */
} moat_plugin_kind;

/* What a request hook tells the host to do next. */
typedef enum moat_status {
  /* Go on with the next stage, then the upstream. */
  MOAT_STATUS_CONTINUE = 0,
  /* The hook produced a local reply through moat_host_api.reply(); the host sends it and runs
   * no further stage and no upstream call. Returning this without a reply is a plugin error.
   * Since 1.4 also from on_response: the reply replaces the upstream's response (the stages
   * not yet run on the response are skipped). */
  MOAT_STATUS_REPLIED = 1,
  /* The hook failed. The host answers 500 with a JSON-RPC error carrying the message the hook
   * wrote to its error sink, logs it, and keeps serving other requests. */
  MOAT_STATUS_FAILED = 2,
  /* Since 1.4, from on_response only: this stage has renewed what the request lacked (a token
   * with more scope, say). The host discards the upstream's response, runs on_request again for
   * this stage and every later one, and sends the request upstream once more. Once per request:
   * on the second response RETRY counts as CONTINUE. Upstreams that cannot send a request twice
   * (a stdio server has already read it) also treat it as CONTINUE; the host logs both. */
  MOAT_STATUS_RETRY = 3
} moat_status;

/* Since 1.5: how a request ended, as on_complete reports it. */
typedef enum moat_outcome {
  MOAT_OUTCOME_SUCCESS = 0, /* answered, and the answer carries no error */
  MOAT_OUTCOME_ERROR = 1,   /* answered with a JSON-RPC error, or a tool result with isError */
  MOAT_OUTCOME_DENIED = 2,  /* refused: 401, 403 or 429 */
  MOAT_OUTCOME_FAILURE = 3  /* the gateway, a stage or the upstream could not answer it */
} moat_outcome;

typedef enum moat_log_level {
  MOAT_LOG_TRACE = 0,
  MOAT_LOG_DEBUG = 1,
  MOAT_LOG_INFO = 2,
  MOAT_LOG_WARN = 3,
  MOAT_LOG_ERROR = 4
} moat_log_level;

/* Opaque host objects. Never dereferenced by a plugin. */
/* The plugin's own context (given to moat_plugin_init, lives until unload) or, since 1.3, one
 * instance's (given to instance_create, lives until instance_destroy returns). Log lines and
 * counters made through an instance's context carry the instance's name. */
typedef struct moat_host_context moat_host_context;
typedef struct moat_request moat_request;           /* one per request; valid during a hook call */

/* ---------------------------------------------------------------- outbound HTTP */

/* An outbound HTTP call made through the host, so that every plugin gets the same TLS
 * verification (system CA store, no opt-out) and timeouts; a plugin must use this for IdP calls
 * so that rules added to it later (address allow-lists) apply everywhere. */
typedef struct moat_http_call {
  uint32_t struct_size;
  moat_str method;              /* "GET", "POST", ... */
  moat_str url;                 /* absolute http:// or https:// URL */
  const moat_str* header_names; /* header_count entries, may be NULL when header_count is 0 */
  const moat_str* header_values;
  size_t header_count;
  moat_str body;       /* may be empty */
  uint32_t timeout_ms; /* 0: the host default */
} moat_http_call;

/* Where the host writes an outbound call's response. */
typedef struct moat_http_result {
  uint32_t struct_size;
  uint16_t status;   /* set by the host; 0 when no response was received */
  moat_sink headers; /* receives "Name: value\r\n" lines */
  moat_sink body;
} moat_http_result;

/* Since 1.5: a finished request, given to on_complete. Filled in by the host. */
typedef struct moat_completion {
  uint32_t struct_size;
  uint16_t status;          /* the HTTP status the client was sent; 0 when nothing was sent */
  moat_outcome outcome;
  int32_t rpc_error_code;   /* the gateway's own JSON-RPC error code (moat/jsonrpc.hpp), else 0 */
  int64_t duration_us;      /* from the request's arrival to the end of its answer */
  uint64_t request_bytes;   /* the request body */
  uint64_t response_bytes;  /* the response body as sent */
  moat_str answered_by;     /* the label of the stage that replied or failed; empty otherwise */
} moat_completion;

/* ---------------------------------------------------------------- host services */

/* Passed to moat_plugin_init; valid until the plugin is unloaded. Append-only: check
 * struct_size before using a field added in a later minor version. */
typedef struct moat_host_api {
  uint32_t struct_size;
  uint32_t abi_version; /* MOAT_ABI_VERSION the host was built with */

  /* Logging. The host tags each line with the plugin name and the current request id. Never
   * pass a token or secret value. */
  void (*log)(moat_host_context* ctx, moat_log_level level, moat_str message);
  int (*log_enabled)(moat_host_context* ctx, moat_log_level level);

  /* Clock. */
  int64_t (*now_unix_ms)(void);
  int64_t (*monotonic_ms)(void);

  /* Configuration values and secrets. Return 1 when found (the value is written to `out`),
   * 0 when absent; on 0 a reason is written to `error` (may be NULL) without the value. */
  int (*env_get)(moat_host_context* ctx, moat_str name, moat_sink* out);
  int (*secret_file_read)(moat_host_context* ctx, moat_str path, moat_sink* out, moat_sink* error);

  /* Metrics: a monotonically increasing counter named "<plugin>.<name>", labelled with the
   * instance when called with an instance's context (since 1.3). */
  void (*counter_add)(moat_host_context* ctx, moat_str name, int64_t delta);

  /* Outbound HTTP. Returns 1 when a response was received (any status), 0 on a transport
   * failure or timeout, with the reason written to `error`. */
  int (*http_fetch)(moat_host_context* ctx, const moat_http_call* call, moat_http_result* result,
                    moat_sink* error);

  /* ---- request accessors, valid only inside a hook for the request passed to it ---- */

  /* The request id the host assigned (also sent back as X-Request-Id). */
  moat_str (*request_id)(moat_request* req);
  moat_str (*request_method)(moat_request* req); /* HTTP method */
  moat_str (*request_path)(moat_request* req);   /* path and query as received */
  moat_str (*request_body)(moat_request* req);   /* the complete request body */
  /* The JSON-RPC method of the body ("tools/call"), or empty for a batch, a response, or a
   * request without a body. Parsed once, on first use. */
  moat_str (*request_rpc_method)(moat_request* req);
  moat_str (*request_remote_address)(moat_request* req);
  moat_str (*request_server_name)(moat_request* req); /* the route's server name */

  /* Headers that will be sent upstream. Names are case-insensitive. get returns 1 and sets
   * *value when present. The client's Authorization header is not among them: see
   * request_client_credential. */
  int (*request_header_get)(moat_request* req, moat_str name, moat_str* value);
  void (*request_header_set)(moat_request* req, moat_str name, moat_str value);
  void (*request_header_remove)(moat_request* req, moat_str name);

  /* The client's own Authorization header value ("Bearer ..."). The host removes it from the
   * upstream headers; it reaches the upstream only when a stage sets it again or the route
   * says forward_client_authorization. Returns 1 when the client sent one. */
  int (*request_client_credential)(moat_request* req, moat_str* value);

  /* Identity established by an authenticator, read by later stages and audit. claims_json is
   * a JSON object ("{}" when none). get returns 0 when no identity is set. */
  void (*identity_set)(moat_request* req, moat_str subject, moat_str claims_json);
  int (*identity_get)(moat_request* req, moat_str* subject, moat_str* claims_json);

  /* A local reply; the hook then returns MOAT_STATUS_REPLIED. Headers come as parallel arrays.
   * The body is sent as given; use a JSON-RPC error object for MCP clients. */
  void (*reply)(moat_request* req, uint16_t status, const moat_str* header_names,
                const moat_str* header_values, size_t header_count, moat_str body);

  /* ---- response accessors, valid only inside on_response ---- */
  uint16_t (*response_status)(moat_request* req);
  int (*response_header_get)(moat_request* req, moat_str name, moat_str* value);
  void (*response_header_set)(moat_request* req, moat_str name, moat_str value);
  void (*response_header_remove)(moat_request* req, moat_str name);

  /* ---- since 1.1: request accessors for authenticators ---- */

  /* The protected resource this request addresses (RFC 9728 `resource`, the RFC 8707 audience
   * a token must carry): the server's configured resource_url, or scheme://host/path of the
   * route as the client reached it. */
  moat_str (*request_resource_url)(moat_request* req);
  /* Where that resource's RFC 9728 metadata is served (the path-inserted well-known URI), for
   * the resource_metadata parameter of a WWW-Authenticate challenge. */
  moat_str (*request_resource_metadata_url)(moat_request* req);

  /* ---- since 1.2: credentials one stage hands to a later one ---- */

  /* A named credential for this request ("id_token", "access_token", ...): a remote-auth stage
   * sets the tokens of the developer's login, an exchanger reads one as its subject token.
   * Credentials never reach the upstream or a log line by themselves. set copies the value;
   * get returns 1 and sets *value (valid until the request ends) when present. */
  void (*request_credential_set)(moat_request* req, moat_str name, moat_str value);
  int (*request_credential_get)(moat_request* req, moat_str name, moat_str* value);

  /* ---- since 1.3: instance names ---- */

  /* The name of the instance `ctx` belongs to, for messages about its configuration:
   * "<server>/<plugin>" for a pipeline stage, "runtime/<plugin>" or "tunnel/<plugin>" for the
   * CLI's uses. Empty for the plugin-wide context given to moat_plugin_init. Valid as long as
   * `ctx`. */
  moat_str (*instance_name)(moat_host_context* ctx);

  /* ---- since 1.5: what a request acts on, and notes for audit ---- */

  /* What the JSON-RPC method acts on: the tool or prompt name (params.name of tools/call,
   * prompts/get) or the resource URI (params.uri of resources/...); empty otherwise. */
  moat_str (*request_rpc_target)(moat_request* req);
  /* Notes: facts a stage records about the request for later stages and audit stages (the
   * delegation chain of an exchanged token, a policy decision). Never secret: an audit stage
   * writes them out. Never sent upstream. set copies the value; get returns 1 and sets *value
   * (valid until the request ends) when present. */
  void (*request_note_set)(moat_request* req, moat_str name, moat_str value);
  int (*request_note_get)(moat_request* req, moat_str name, moat_str* value);
  /* Every note as one JSON object of strings ("{}" when none); valid until the request ends. */
  moat_str (*request_notes_json)(moat_request* req);
} moat_host_api;

/* ---------------------------------------------------------------- plugin hooks */

/* Since 1.6: one question the host puts to an authorizer. The host asks it for every request
 * that acts on a tool, prompt or resource (tools/call, prompts/get, resources/read and
 * subscribe, completion/complete), and for every item of a tools/list, prompts/list,
 * resources/list or resources/templates/list answer (the operation that item would take), so
 * the list each caller sees holds what it may use. The caller's identity is the request's
 * (identity_get). Names are the server's own, before any rename a route's tool view makes. */
typedef struct moat_authz_query {
  uint32_t struct_size;
  moat_str feature;          /* "tool", "prompt" or "resource" */
  moat_str operation;        /* "call" (tool), "get" (prompt), "read" (resource) */
  moat_str target;           /* the tool or prompt name, the resource URI or URI template */
  moat_str arguments_json;   /* params.arguments as a JSON object; "{}" when none or a list item */
  moat_str annotations_json; /* the tool's annotations from the server's tools/list in this session;
                                "{}" when the session has not listed tools or for a non-tool */
} moat_authz_query;

/* An authorizer's answer. A failure (a decision point that cannot be reached, a policy that
 * cannot be evaluated) is denied by the host: authorization fails closed. */
typedef enum moat_decision {
  MOAT_DECISION_DENY = 0,
  MOAT_DECISION_ALLOW = 1,
  MOAT_DECISION_FAILED = 2 /* with a reason in the error sink; logged, never sent to the client */
} moat_decision;

/* Hooks of the request-path kinds: authenticator, authorizer, exchanger, stage. */
typedef struct moat_filter_hooks {
  uint32_t struct_size;
  /* Required. Runs before the upstream call, in pipeline order. Write a reason to `error` when
   * returning MOAT_STATUS_FAILED. */
  moat_status (*on_request)(void* instance, moat_request* req, moat_sink* error);
  /* Optional. Runs when the upstream's status and headers are known, before the body streams
   * to the client, in reverse pipeline order. Cannot change the body; since 1.4 it may replace
   * the whole response (REPLIED) or ask for the request to be sent again (RETRY). May block,
   * bounded, like on_request. */
  moat_status (*on_response)(void* instance, moat_request* req, moat_sink* error);
  /* Optional, authenticators: fields for the RFC 9728 protected-resource metadata document
   * as a JSON object ({"authorization_servers":[...],"scopes_supported":[...]}). Returns 1 when
   * it wrote something. */
  int (*resource_metadata)(void* instance, moat_sink* json_object);
  /* Optional, since 1.5. Runs once for every request the route received, after its answer was
   * sent (or could not be), whichever stage answered it, even when an earlier stage refused it
   * or it was refused before the pipeline ran; in pipeline order. The request and response
   * accessors are valid. Cannot change anything; blocking here holds the worker, not the
   * client. An audit stage writes its event here. */
  void (*on_complete)(void* instance, moat_request* req, const moat_completion* done);
  /* Optional, since 1.5. Whether the instance can serve requests now (an authenticator holds
   * its IdP's signing keys); 0 with a reason in `why` when not. Called by the host's readiness
   * check (GET /readyz), off the request path, at most every few seconds; it may fetch what it
   * lacks, bounded by its own timeouts. */
  int (*ready)(void* instance, moat_sink* why);
  /* Optional, since 1.6, authorizers: the decision on one question. Runs at the authorizer's
   * place in the pipeline (after on_request returned CONTINUE) and, for list answers, once per
   * item on the worker sending the answer; it may block, bounded by its own timeouts, and must
   * be safe to call from several threads at once. Every authorizer of a route must allow. */
  moat_decision (*authorize)(void* instance, moat_request* req, const moat_authz_query* query, moat_sink* error);
} moat_filter_hooks;

/* Hooks of a runtime plugin. Workloads are named by the id the runtime returns from start. All
 * return 1 on success and 0 on failure with a message in `error`. */
typedef struct moat_runtime_hooks {
  uint32_t struct_size;
  /* Required. spec_json: {"name","image"|"command","args":[],"env":{},"workdir","transport",
   * "ports":{...},"isolation":{...}}. Writes {"id":...,"state":...} to `state_json`. */
  int (*start)(void* instance, moat_str spec_json, moat_sink* state_json, moat_sink* error);
  /* Required. Graceful stop: close stdin, SIGTERM, SIGKILL after timeout_ms. */
  int (*stop)(void* instance, moat_str workload_id, uint32_t timeout_ms, moat_sink* error);
  /* Required. Writes {"id","state":"running|exited|restarting|unknown","exit_code",...}. */
  int (*inspect)(void* instance, moat_str workload_id, moat_sink* state_json, moat_sink* error);
  /* Required. Removes the workload and everything the runtime created for it. */
  int (*remove)(void* instance, moat_str workload_id, moat_sink* error);
  /* Optional. A JSON array of the workloads this runtime manages. */
  int (*list)(void* instance, moat_sink* json_array, moat_sink* error);
  /* Optional. Writes the workload's log; with follow != 0, keeps writing until it exits. */
  int (*logs)(void* instance, moat_str workload_id, int follow, moat_sink* out, moat_sink* error);
  /* Optional, stdio servers. Returns two file descriptors now owned by the host: one to write
   * the workload's stdin, one to read its stdout. */
  int (*attach_stdio)(void* instance, moat_str workload_id, int* stdin_fd, int* stdout_fd,
                      moat_sink* error);
} moat_runtime_hooks;

/* Hooks of a tunnel plugin. Return 1 on success, 0 on failure with a message in `error`. */
typedef struct moat_tunnel_hooks {
  uint32_t struct_size;
  /* Required. Publishes local_url; writes the public URL to `public_url`. */
  int (*open)(void* instance, moat_str local_url, moat_sink* public_url, moat_sink* error);
  /* Optional. {"state":"up|reconnecting|down","public_url":...}. */
  int (*status)(void* instance, moat_sink* state_json, moat_sink* error);
  /* Required. Tears the tunnel down. */
  int (*close)(void* instance, moat_sink* error);
} moat_tunnel_hooks;

/* What a plugin is. Returned by moat_plugin_init; static storage owned by the plugin. */
typedef struct moat_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_version; /* MOAT_ABI_VERSION the plugin was built with */
  moat_str name;        /* unique; what pipelines name it by, e.g. "auth-oidc" */
  moat_str version;     /* the plugin's own version */
  moat_str description;
  moat_plugin_kind kind;

  /* Required. Returns the instance, or NULL with a reason in `error`. config_json is the
   * stage's `config:` mapping as a JSON object ("{}" when absent). Since 1.3 `ctx` is the
   * instance's own context (a 1.0-1.2 host passed the plugin's); keep it for the instance's
   * host calls. */
  void* (*instance_create)(moat_host_context* ctx, moat_str config_json, moat_sink* error);
  /* Required. */
  void (*instance_destroy)(void* instance);
  /* Optional. Called once before the library is unloaded. */
  void (*plugin_shutdown)(void);

  /* Exactly the one matching `kind` is required; the others are NULL. */
  const moat_filter_hooks* filter;
  const moat_runtime_hooks* runtime;
  const moat_tunnel_hooks* tunnel;
} moat_plugin_descriptor;

/* ---------------------------------------------------------------- entry points */

/* Every plugin exports these two symbols. */

/* Returns MOAT_ABI_VERSION as the plugin was compiled. Must not touch anything else. */
MOAT_EXPORT uint32_t moat_plugin_abi_version(void);

/* Returns 1 and sets *descriptor on success; returns 0 with a reason in `error` on failure.
 * `host` and `ctx` stay valid until the plugin is unloaded. */
MOAT_EXPORT int moat_plugin_init(const moat_host_api* host, moat_host_context* ctx,
                                 const moat_plugin_descriptor** descriptor, moat_sink* error);

typedef uint32_t (*moat_plugin_abi_version_fn)(void);
typedef int (*moat_plugin_init_fn)(const moat_host_api*, moat_host_context*,
                                   const moat_plugin_descriptor**, moat_sink*);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MOAT_ABI_H */
