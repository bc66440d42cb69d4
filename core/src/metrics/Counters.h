// Process-wide monotonically increasing counters, exported in the Prometheus text format. A
// counter may carry an instance label: plugins count per instance, so two stages of one plugin
// keep separate figures.
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
std::string prometheusText();

}  // namespace moat::metrics
