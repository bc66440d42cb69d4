// The ABI's layout, pinned. Every public struct's fields must sit where every older minor put
// them (compared with tables compiled against the frozen headers in tests/abi/compat), and the
// current layout must match the figures below, so that a moved, resized or removed field fails
// the build's tests before it ships. Figures are for the LP64 targets Moat builds on.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <tuple>
#include <vector>

extern "C" {
#include "layout_row.h"
extern const moat_layout_row moat_layout_1_0[];
extern const moat_layout_row moat_layout_1_1[];
extern const moat_layout_row moat_layout_1_2[];
extern const moat_layout_row moat_layout_1_3[];
extern const moat_layout_row moat_layout_1_4[];
extern const moat_layout_row moat_layout_1_5[];
extern const moat_layout_row moat_layout_1_6[];
extern const moat_layout_row moat_layout_current[];
}

namespace {

struct Field {
  size_t offset;
  size_t size;
};
using Layout = std::map<std::pair<std::string, std::string>, Field>;

Layout layoutOf(const moat_layout_row* rows) {
  Layout layout;
  for (; rows->type; ++rows) layout[{rows->type, rows->field}] = Field{rows->offset, rows->size};
  return layout;
}

std::map<std::string, size_t> typeSizes(const moat_layout_row* rows) {
  std::map<std::string, size_t> sizes;
  for (; rows->type; ++rows) sizes[rows->type] = rows->type_size;
  return sizes;
}

// type, field, offset, size: ABI 1.6 on LP64.
const std::vector<std::tuple<std::string, std::string, size_t, size_t>> kPinned = {
    {"moat_str", "ptr", 0, 8},
    {"moat_str", "len", 8, 8},
    {"moat_sink", "ctx", 0, 8},
    {"moat_sink", "write", 8, 8},
    {"moat_http_call", "struct_size", 0, 4},
    {"moat_http_call", "method", 8, 16},
    {"moat_http_call", "url", 24, 16},
    {"moat_http_call", "header_names", 40, 8},
    {"moat_http_call", "header_values", 48, 8},
    {"moat_http_call", "header_count", 56, 8},
    {"moat_http_call", "body", 64, 16},
    {"moat_http_call", "timeout_ms", 80, 4},
    {"moat_http_result", "struct_size", 0, 4},
    {"moat_http_result", "status", 4, 2},
    {"moat_http_result", "headers", 8, 16},
    {"moat_http_result", "body", 24, 16},
    {"moat_host_api", "struct_size", 0, 4},
    {"moat_host_api", "abi_version", 4, 4},
    {"moat_host_api", "log", 8, 8},
    {"moat_host_api", "log_enabled", 16, 8},
    {"moat_host_api", "now_unix_ms", 24, 8},
    {"moat_host_api", "monotonic_ms", 32, 8},
    {"moat_host_api", "env_get", 40, 8},
    {"moat_host_api", "secret_file_read", 48, 8},
    {"moat_host_api", "counter_add", 56, 8},
    {"moat_host_api", "http_fetch", 64, 8},
    {"moat_host_api", "request_id", 72, 8},
    {"moat_host_api", "request_method", 80, 8},
    {"moat_host_api", "request_path", 88, 8},
    {"moat_host_api", "request_body", 96, 8},
    {"moat_host_api", "request_rpc_method", 104, 8},
    {"moat_host_api", "request_remote_address", 112, 8},
    {"moat_host_api", "request_server_name", 120, 8},
    {"moat_host_api", "request_header_get", 128, 8},
    {"moat_host_api", "request_header_set", 136, 8},
    {"moat_host_api", "request_header_remove", 144, 8},
    {"moat_host_api", "request_client_credential", 152, 8},
    {"moat_host_api", "identity_set", 160, 8},
    {"moat_host_api", "identity_get", 168, 8},
    {"moat_host_api", "reply", 176, 8},
    {"moat_host_api", "response_status", 184, 8},
    {"moat_host_api", "response_header_get", 192, 8},
    {"moat_host_api", "response_header_set", 200, 8},
    {"moat_host_api", "response_header_remove", 208, 8},
    {"moat_host_api", "request_resource_url", 216, 8},
    {"moat_host_api", "request_resource_metadata_url", 224, 8},
    {"moat_host_api", "request_credential_set", 232, 8},
    {"moat_host_api", "request_credential_get", 240, 8},
    {"moat_host_api", "instance_name", 248, 8},
    {"moat_host_api", "request_rpc_target", 256, 8},
    {"moat_host_api", "request_note_set", 264, 8},
    {"moat_host_api", "request_note_get", 272, 8},
    {"moat_host_api", "request_notes_json", 280, 8},
    {"moat_filter_hooks", "struct_size", 0, 4},
    {"moat_filter_hooks", "on_request", 8, 8},
    {"moat_filter_hooks", "on_response", 16, 8},
    {"moat_filter_hooks", "resource_metadata", 24, 8},
    {"moat_filter_hooks", "on_complete", 32, 8},
    {"moat_filter_hooks", "ready", 40, 8},
    {"moat_filter_hooks", "authorize", 48, 8},
    {"moat_authz_query", "struct_size", 0, 4},
    {"moat_authz_query", "feature", 8, 16},
    {"moat_authz_query", "operation", 24, 16},
    {"moat_authz_query", "target", 40, 16},
    {"moat_authz_query", "arguments_json", 56, 16},
    {"moat_authz_query", "annotations_json", 72, 16},
    {"moat_completion", "struct_size", 0, 4},
    {"moat_completion", "status", 4, 2},
    {"moat_completion", "outcome", 8, 4},
    {"moat_completion", "rpc_error_code", 12, 4},
    {"moat_completion", "duration_us", 16, 8},
    {"moat_completion", "request_bytes", 24, 8},
    {"moat_completion", "response_bytes", 32, 8},
    {"moat_completion", "answered_by", 40, 16},
    {"moat_runtime_hooks", "struct_size", 0, 4},
    {"moat_runtime_hooks", "start", 8, 8},
    {"moat_runtime_hooks", "stop", 16, 8},
    {"moat_runtime_hooks", "inspect", 24, 8},
    {"moat_runtime_hooks", "remove", 32, 8},
    {"moat_runtime_hooks", "list", 40, 8},
    {"moat_runtime_hooks", "logs", 48, 8},
    {"moat_runtime_hooks", "attach_stdio", 56, 8},
    {"moat_tunnel_hooks", "struct_size", 0, 4},
    {"moat_tunnel_hooks", "open", 8, 8},
    {"moat_tunnel_hooks", "status", 16, 8},
    {"moat_tunnel_hooks", "close", 24, 8},
    {"moat_plugin_descriptor", "struct_size", 0, 4},
    {"moat_plugin_descriptor", "abi_version", 4, 4},
    {"moat_plugin_descriptor", "name", 8, 16},
    {"moat_plugin_descriptor", "version", 24, 16},
    {"moat_plugin_descriptor", "description", 40, 16},
    {"moat_plugin_descriptor", "kind", 56, 4},
    {"moat_plugin_descriptor", "instance_create", 64, 8},
    {"moat_plugin_descriptor", "instance_destroy", 72, 8},
    {"moat_plugin_descriptor", "plugin_shutdown", 80, 8},
    {"moat_plugin_descriptor", "filter", 88, 8},
    {"moat_plugin_descriptor", "runtime", 96, 8},
    {"moat_plugin_descriptor", "tunnel", 104, 8},
    {"moat_plugin_descriptor", "session_store", 112, 8},
    {"moat_session_store_hooks", "struct_size", 0, 4},
    {"moat_session_store_hooks", "put", 8, 8},
    {"moat_session_store_hooks", "get", 16, 8},
    {"moat_session_store_hooks", "touch", 24, 8},
    {"moat_session_store_hooks", "remove", 32, 8},
};

// The size of each struct in minors 1.0 to 1.7; 0 where a minor does not have it.
const std::map<std::string, std::vector<size_t>> kPinnedSizes = {
    {"moat_str", {16, 16, 16, 16, 16, 16, 16, 16}},
    {"moat_sink", {16, 16, 16, 16, 16, 16, 16, 16}},
    {"moat_http_call", {88, 88, 88, 88, 88, 88, 88, 88}},
    {"moat_http_result", {40, 40, 40, 40, 40, 40, 40, 40}},
    {"moat_host_api", {216, 232, 248, 256, 256, 288, 288, 288}},
    {"moat_filter_hooks", {32, 32, 32, 32, 32, 48, 56, 56}},
    {"moat_completion", {0, 0, 0, 0, 0, 56, 56, 56}},
    {"moat_authz_query", {0, 0, 0, 0, 0, 0, 88, 88}},
    {"moat_runtime_hooks", {64, 64, 64, 64, 64, 64, 64, 64}},
    {"moat_tunnel_hooks", {32, 32, 32, 32, 32, 32, 32, 32}},
    {"moat_plugin_descriptor", {112, 112, 112, 112, 112, 112, 112, 120}},
    {"moat_session_store_hooks", {0, 0, 0, 0, 0, 0, 0, 40}},
};

}  // namespace

TEST_CASE("every field of every older minor sits where that minor put it") {
  Layout current = layoutOf(moat_layout_current);
  for (const auto* old : {moat_layout_1_0, moat_layout_1_1, moat_layout_1_2, moat_layout_1_3, moat_layout_1_4, moat_layout_1_5, moat_layout_1_6}) {
    for (const auto& [key, field] : layoutOf(old)) {
      INFO(key.first << "." << key.second);
      auto it = current.find(key);
      REQUIRE(it != current.end());
      CHECK(it->second.offset == field.offset);
      CHECK(it->second.size == field.size);
    }
  }
}

TEST_CASE("each minor's struct sizes are the pinned ones, and no struct shrinks") {
  std::vector<std::map<std::string, size_t>> sizes = {typeSizes(moat_layout_1_0), typeSizes(moat_layout_1_1),
                                                      typeSizes(moat_layout_1_2), typeSizes(moat_layout_1_3), typeSizes(moat_layout_1_4), typeSizes(moat_layout_1_5), typeSizes(moat_layout_1_6),
                                                      typeSizes(moat_layout_current)};
  for (const auto& [type, pinned] : kPinnedSizes) {
    INFO(type);
    REQUIRE(pinned.size() == sizes.size());
    for (size_t minor = 0; minor < sizes.size(); ++minor) {
      INFO("minor " << minor);
      auto sizeIn = [&](size_t m) { return sizes[m].count(type) ? sizes[m].at(type) : 0; };
      CHECK(sizeIn(minor) == pinned[minor]);
      if (minor > 0) CHECK(sizeIn(minor) >= sizeIn(minor - 1));
    }
  }
  CHECK(kPinnedSizes.size() == sizes.back().size());
}

TEST_CASE("the current layout is the pinned one") {
  Layout current = layoutOf(moat_layout_current);
  CHECK(current.size() == kPinned.size());
  for (const auto& [type, field, offset, size] : kPinned) {
    INFO(type << "." << field);
    auto it = current.find({type, field});
    REQUIRE(it != current.end());
    CHECK(it->second.offset == offset);
    CHECK(it->second.size == size);
  }
}
