// Counters named by a short name ("requests_failed" → moat_requests_failed_total), optionally
// labelled with the plugin instance that counted: the form the host API's counter_add gives
// plugins ("auth-oidc.rejected" → moat_auth_oidc_rejected_total{instance="..."}).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace moat::metrics {

void add(std::string_view name, int64_t delta = 1);
void add(std::string_view name, std::string_view instance, int64_t delta);
// One counter's value; with no instance given, the sum over all its instances.
int64_t value(std::string_view name);
int64_t value(std::string_view name, std::string_view instance);
// The whole exposition: every family in the registry (metrics/Registry.h).
std::string prometheusText();

}  // namespace moat::metrics
