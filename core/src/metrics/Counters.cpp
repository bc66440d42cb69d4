#include "metrics/Counters.h"

#include <cctype>
#include <map>
#include <mutex>

namespace moat::metrics {
namespace {

// Counter name → instance ("" for none) → value; both levels look up by string_view.
using Instances = std::map<std::string, int64_t, std::less<>>;
using Counters = std::map<std::string, Instances, std::less<>>;

std::mutex gMutex;
Counters& counters() {
  static Counters all;
  return all;
}

std::string metricName(const std::string& name) {
  std::string out = "moat_";
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out + "_total";
}

// A Prometheus label value: backslash, double quote and newline escaped.
std::string labelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void add(std::string_view name, int64_t delta) { add(name, {}, delta); }

void add(std::string_view name, std::string_view instance, int64_t delta) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto named = counters().find(name);
  if (named == counters().end()) named = counters().emplace(std::string(name), Instances{}).first;
  auto it = named->second.find(instance);
  if (it == named->second.end()) it = named->second.emplace(std::string(instance), 0).first;
  it->second += delta;
}

int64_t value(std::string_view name, std::string_view instance) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto named = counters().find(name);
  if (named == counters().end()) return 0;
  auto it = named->second.find(instance);
  return it == named->second.end() ? 0 : it->second;
}

int64_t value(std::string_view name) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto named = counters().find(name);
  int64_t sum = 0;
  if (named != counters().end())
    for (const auto& [instance, count] : named->second) sum += count;
  return sum;
}

std::string prometheusText() {
  std::lock_guard<std::mutex> lock(gMutex);
  std::string out;
  for (const auto& [name, instances] : counters()) {
    std::string metric = metricName(name);
    out += "# TYPE " + metric + " counter\n";
    for (const auto& [instance, count] : instances) {
      out += metric;
      if (!instance.empty()) out += "{instance=\"" + labelValue(instance) + "\"}";
      out += " " + std::to_string(count) + "\n";
    }
  }
  return out;
}

}  // namespace moat::metrics
