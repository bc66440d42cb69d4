#include "metrics/Counters.h"

#include <cctype>
#include <map>
#include <mutex>

namespace moat::metrics {
namespace {

std::mutex gMutex;
std::map<std::string, int64_t, std::less<>>& counters() {
  static std::map<std::string, int64_t, std::less<>> all;
  return all;
}

std::string metricName(const std::string& name) {
  std::string out = "moat_";
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out + "_total";
}

}  // namespace

void add(std::string_view name, int64_t delta) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = counters().find(name);
  if (it == counters().end()) it = counters().emplace(std::string(name), 0).first;
  it->second += delta;
}

int64_t value(std::string_view name) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = counters().find(name);
  return it == counters().end() ? 0 : it->second;
}

std::string prometheusText() {
  std::lock_guard<std::mutex> lock(gMutex);
  std::string out;
  for (const auto& [name, count] : counters()) {
    std::string metric = metricName(name);
    out += "# TYPE " + metric + " counter\n" + metric + " " + std::to_string(count) + "\n";
  }
  return out;
}

}  // namespace moat::metrics
