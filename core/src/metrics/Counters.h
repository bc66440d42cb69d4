// Process-wide monotonically increasing counters, exported in the Prometheus text format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace moat::metrics {

void add(std::string_view name, int64_t delta = 1);
int64_t value(std::string_view name);
std::string prometheusText();

}  // namespace moat::metrics
