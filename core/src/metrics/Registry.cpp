#include "metrics/Registry.h"

#include <array>
#include <map>
#include <mutex>

namespace moat::metrics {
namespace {

constexpr std::array<double, 13> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

enum class Type { Counter, Gauge, Histogram };

struct Series {
  int64_t value = 0;  // counter, gauge
  std::array<uint64_t, kBuckets.size()> buckets{};  // histogram: per bucket, not cumulative
  uint64_t observations = 0;
  double sum = 0;
};

struct Family {
  Type type;
  std::map<std::string, Series, std::less<>> series;  // rendered label set → series
};

std::mutex gMutex;
std::map<std::string, Family, std::less<>>& families() {
  static std::map<std::string, Family, std::less<>> all;
  return all;
}
std::map<std::string, std::string, std::less<>>& helpTexts() {
  static std::map<std::string, std::string, std::less<>> all;
  return all;
}

// A label value with backslash, double quote and newline escaped.
void appendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
}

// `name="value",...` without braces; empty values are left out, as Prometheus treats them.
std::string render(Labels labels, bool overflow) {
  std::string out;
  for (const Label& label : labels) {
    if (label.value.empty()) continue;
    if (!out.empty()) out += ',';
    out.append(label.name).append("=\"");
    appendEscaped(out, overflow ? std::string_view("other") : label.value);
    out += '"';
  }
  return out;
}

Series& seriesOf(std::string_view name, Type type, Labels labels) {
  auto family = families().find(name);
  if (family == families().end()) family = families().emplace(std::string(name), Family{type, {}}).first;
  auto& all = family->second.series;
  std::string key = render(labels, false);
  auto it = all.find(key);
  if (it != all.end()) return it->second;
  if (all.size() >= kMaxSeries) key = render(labels, true);
  return all[key];
}

void appendSample(std::string& out, const std::string& name, const std::string& labels, std::string_view extraLabel,
                  const std::string& value) {
  out += name;
  if (!labels.empty() || !extraLabel.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extraLabel.empty()) out += ',';
    out.append(extraLabel);
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

void describe(std::string_view family, std::string_view help) {
  std::lock_guard<std::mutex> lock(gMutex);
  if (helpTexts().find(family) == helpTexts().end()) helpTexts().emplace(std::string(family), std::string(help));
}

void count(std::string_view family, Labels labels, int64_t delta) {
  std::lock_guard<std::mutex> lock(gMutex);
  seriesOf(family, Type::Counter, labels).value += delta;
}

void gaugeAdd(std::string_view family, Labels labels, int64_t delta) {
  std::lock_guard<std::mutex> lock(gMutex);
  seriesOf(family, Type::Gauge, labels).value += delta;
}

void observe(std::string_view family, Labels labels, double seconds) {
  std::lock_guard<std::mutex> lock(gMutex);
  Series& series = seriesOf(family, Type::Histogram, labels);
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  if (bucket < kBuckets.size()) ++series.buckets[bucket];
  ++series.observations;
  series.sum += seconds;
}

int64_t valueOf(std::string_view family) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = families().find(family);
  int64_t sum = 0;
  if (it != families().end())
    for (const auto& [labels, series] : it->second.series) sum += series.value;
  return sum;
}

int64_t valueOf(std::string_view family, Labels labels) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = families().find(family);
  if (it == families().end()) return 0;
  auto series = it->second.series.find(render(labels, false));
  return series == it->second.series.end() ? 0 : series->second.value;
}

std::string exposition() {
  std::lock_guard<std::mutex> lock(gMutex);
  std::string out;
  for (const auto& [name, family] : families()) {
    auto help = helpTexts().find(name);
    if (help != helpTexts().end()) out += "# HELP " + name + " " + help->second + "\n";
    out += "# TYPE " + name + (family.type == Type::Counter ? " counter\n" : family.type == Type::Gauge ? " gauge\n" : " histogram\n");
    for (const auto& [labels, series] : family.series) {
      if (family.type != Type::Histogram) {
        appendSample(out, name, labels, {}, std::to_string(series.value));
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += series.buckets[i];
        appendSample(out, name + "_bucket", labels, "le=\"" + number(kBuckets[i]) + "\"", std::to_string(cumulative));
      }
      appendSample(out, name + "_bucket", labels, "le=\"+Inf\"", std::to_string(series.observations));
      appendSample(out, name + "_sum", labels, {}, number(series.sum));
      appendSample(out, name + "_count", labels, {}, std::to_string(series.observations));
    }
  }
  return out;
}

}  // namespace moat::metrics
