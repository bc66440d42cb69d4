// The process's metric families in the Prometheus text format: counters, up/down gauges and
// histograms, each series named by its labels. Every family is bounded: past kMaxSeries label
// sets, new ones are counted under one series whose label values are all "other", so a client
// inventing tool names cannot grow the gateway's memory or a scraper's.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace moat::metrics {

struct Label {
  std::string_view name;
  std::string_view value;
};
using Labels = std::initializer_list<Label>;

constexpr size_t kMaxSeries = 1000;

// The HELP text of a family; the first call for a family wins.
void describe(std::string_view family, std::string_view help);

// `family` is the whole exposed name ("moat_requests_total").
void count(std::string_view family, Labels labels, int64_t delta = 1);
void gaugeAdd(std::string_view family, Labels labels, int64_t delta);
// Observes a duration in seconds into the family's fixed buckets (1 ms to 10 s).
void observe(std::string_view family, Labels labels, double seconds);

// A counter's or gauge's value; with no labels given, the sum over every series of the family.
int64_t valueOf(std::string_view family);
int64_t valueOf(std::string_view family, Labels labels);

std::string exposition();

}  // namespace moat::metrics
