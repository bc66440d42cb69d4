/* The layout of every public struct of moat/abi.h, as the header this file is compiled against
 * lays it out: one row per field. Compiled once per frozen header (tests/abi/compat/v1.N) and
 * once against the current one; LayoutTest compares the tables. MOAT_LAYOUT_TABLE names the
 * table this copy defines. */
#include <stddef.h>

#include "moat/abi.h"
#include "layout_row.h"

#define ROW(type, field) {#type, #field, offsetof(type, field), sizeof(((type*)0)->field), sizeof(type)}

const moat_layout_row MOAT_LAYOUT_TABLE[] = {
    ROW(moat_str, ptr),
    ROW(moat_str, len),
    ROW(moat_sink, ctx),
    ROW(moat_sink, write),
    ROW(moat_http_call, struct_size),
    ROW(moat_http_call, method),
    ROW(moat_http_call, url),
    ROW(moat_http_call, header_names),
    ROW(moat_http_call, header_values),
    ROW(moat_http_call, header_count),
    ROW(moat_http_call, body),
    ROW(moat_http_call, timeout_ms),
    ROW(moat_http_result, struct_size),
    ROW(moat_http_result, status),
    ROW(moat_http_result, headers),
    ROW(moat_http_result, body),
    ROW(moat_host_api, struct_size),
    ROW(moat_host_api, abi_version),
    ROW(moat_host_api, log),
    ROW(moat_host_api, log_enabled),
    ROW(moat_host_api, now_unix_ms),
    ROW(moat_host_api, monotonic_ms),
    ROW(moat_host_api, env_get),
    ROW(moat_host_api, secret_file_read),
    ROW(moat_host_api, counter_add),
    ROW(moat_host_api, http_fetch),
    ROW(moat_host_api, request_id),
    ROW(moat_host_api, request_method),
    ROW(moat_host_api, request_path),
    ROW(moat_host_api, request_body),
    ROW(moat_host_api, request_rpc_method),
    ROW(moat_host_api, request_remote_address),
    ROW(moat_host_api, request_server_name),
    ROW(moat_host_api, request_header_get),
    ROW(moat_host_api, request_header_set),
    ROW(moat_host_api, request_header_remove),
    ROW(moat_host_api, request_client_credential),
    ROW(moat_host_api, identity_set),
    ROW(moat_host_api, identity_get),
    ROW(moat_host_api, reply),
    ROW(moat_host_api, response_status),
    ROW(moat_host_api, response_header_get),
    ROW(moat_host_api, response_header_set),
    ROW(moat_host_api, response_header_remove),
#if MOAT_ABI_VERSION_MINOR >= 1
    ROW(moat_host_api, request_resource_url),
#endif
#if MOAT_ABI_VERSION_MINOR >= 1
    ROW(moat_host_api, request_resource_metadata_url),
#endif
#if MOAT_ABI_VERSION_MINOR >= 2
    ROW(moat_host_api, request_credential_set),
#endif
#if MOAT_ABI_VERSION_MINOR >= 2
    ROW(moat_host_api, request_credential_get),
#endif
#if MOAT_ABI_VERSION_MINOR >= 3
    ROW(moat_host_api, instance_name),
#endif
#if MOAT_ABI_VERSION_MINOR >= 5
    ROW(moat_host_api, request_rpc_target),
    ROW(moat_host_api, request_note_set),
    ROW(moat_host_api, request_note_get),
    ROW(moat_host_api, request_notes_json),
#endif
    ROW(moat_filter_hooks, struct_size),
    ROW(moat_filter_hooks, on_request),
    ROW(moat_filter_hooks, on_response),
    ROW(moat_filter_hooks, resource_metadata),
#if MOAT_ABI_VERSION_MINOR >= 5
    ROW(moat_filter_hooks, on_complete),
    ROW(moat_filter_hooks, ready),
    ROW(moat_completion, struct_size),
    ROW(moat_completion, status),
    ROW(moat_completion, outcome),
    ROW(moat_completion, rpc_error_code),
    ROW(moat_completion, duration_us),
    ROW(moat_completion, request_bytes),
    ROW(moat_completion, response_bytes),
    ROW(moat_completion, answered_by),
#endif
#if MOAT_ABI_VERSION_MINOR >= 6
    ROW(moat_filter_hooks, authorize),
    ROW(moat_authz_query, struct_size),
    ROW(moat_authz_query, feature),
    ROW(moat_authz_query, operation),
    ROW(moat_authz_query, target),
    ROW(moat_authz_query, arguments_json),
    ROW(moat_authz_query, annotations_json),
#endif
    ROW(moat_runtime_hooks, struct_size),
    ROW(moat_runtime_hooks, start),
    ROW(moat_runtime_hooks, stop),
    ROW(moat_runtime_hooks, inspect),
    ROW(moat_runtime_hooks, remove),
    ROW(moat_runtime_hooks, list),
    ROW(moat_runtime_hooks, logs),
    ROW(moat_runtime_hooks, attach_stdio),
    ROW(moat_tunnel_hooks, struct_size),
    ROW(moat_tunnel_hooks, open),
    ROW(moat_tunnel_hooks, status),
    ROW(moat_tunnel_hooks, close),
    ROW(moat_plugin_descriptor, struct_size),
    ROW(moat_plugin_descriptor, abi_version),
    ROW(moat_plugin_descriptor, name),
    ROW(moat_plugin_descriptor, version),
    ROW(moat_plugin_descriptor, description),
    ROW(moat_plugin_descriptor, kind),
    ROW(moat_plugin_descriptor, instance_create),
    ROW(moat_plugin_descriptor, instance_destroy),
    ROW(moat_plugin_descriptor, plugin_shutdown),
    ROW(moat_plugin_descriptor, filter),
    ROW(moat_plugin_descriptor, runtime),
    ROW(moat_plugin_descriptor, tunnel),
#if MOAT_ABI_VERSION_MINOR >= 7
    ROW(moat_plugin_descriptor, session_store),
    ROW(moat_session_store_hooks, struct_size),
    ROW(moat_session_store_hooks, put),
    ROW(moat_session_store_hooks, get),
    ROW(moat_session_store_hooks, touch),
    ROW(moat_session_store_hooks, remove),
#endif
    {NULL, NULL, 0, 0, 0}};
