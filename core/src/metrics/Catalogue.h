// The gateway's own metric families: one name each, described once, so every place that counts
// spells it the same way and /metrics carries HELP lines. Labels are bounded by construction:
// routes and plugin instances come from the configuration, methods and reasons from fixed
// lists, tool names from the registry's per-family series cap.
#pragma once

#include <string_view>

#include "metrics/Registry.h"

namespace moat::metrics {

inline constexpr std::string_view kRequests = "moat_requests_total";                    // route, method, code
inline constexpr std::string_view kRequestDuration = "moat_request_duration_seconds";   // route, method
inline constexpr std::string_view kToolCalls = "moat_tool_calls_total";                 // route, tool, outcome
inline constexpr std::string_view kAuthenticationFailures = "moat_authentication_failures_total";  // route, reason
inline constexpr std::string_view kUpstreamErrors = "moat_upstream_errors_total";      // route, kind
inline constexpr std::string_view kRuntimeRestarts = "moat_runtime_restarts_total";    // route
inline constexpr std::string_view kPluginErrors = "moat_plugin_errors_total";          // plugin, instance
inline constexpr std::string_view kStreamsOpen = "moat_streams_open";                  // route
inline constexpr std::string_view kSessionsActive = "moat_sessions_active";            // route

// Gives every family above its HELP text; called once before the first scrape.
void describeCatalogue();

}  // namespace moat::metrics
