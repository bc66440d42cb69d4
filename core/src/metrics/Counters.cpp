#include "metrics/Counters.h"

#include <cctype>
#include <map>
#include <mutex>
#include <utility>

namespace moat::metrics {
namespace {

using Key = std::pair<std::string, std::string>;  // name, instance ("" for none)

struct KeyLess {
  using is_transparent = void;
  using View = std::pair<std::string_view, std::string_view>;
  static View view(const Key& k) { return {k.first, k.second}; }
  static View view(const View& v) { return v; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return view(a) < view(b);
  }
};

std::mutex gMutex;
std::map<Key, int64_t, KeyLess>& counters() {
  static std::map<Key, int64_t, KeyLess> all;
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
  auto it = counters().find(KeyLess::View{name, instance});
  if (it == counters().end()) it = counters().emplace(Key{std::string(name), std::string(instance)}, 0).first;
  it->second += delta;
}

int64_t value(std::string_view name, std::string_view instance) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = counters().find(KeyLess::View{name, instance});
  return it == counters().end() ? 0 : it->second;
}

int64_t value(std::string_view name) {
  std::lock_guard<std::mutex> lock(gMutex);
  int64_t sum = 0;
  for (auto it = counters().lower_bound(KeyLess::View{name, {}}); it != counters().end() && it->first.first == name; ++it)
    sum += it->second;
  return sum;
}

std::string prometheusText() {
  std::lock_guard<std::mutex> lock(gMutex);
  std::string out;
  const std::string* previous = nullptr;
  for (const auto& [key, count] : counters()) {
    std::string metric = metricName(key.first);
    if (!previous || *previous != key.first) out += "# TYPE " + metric + " counter\n";
    previous = &key.first;
    out += metric;
    if (!key.second.empty()) out += "{instance=\"" + labelValue(key.second) + "\"}";
    out += " " + std::to_string(count) + "\n";
  }
  return out;
}

}  // namespace moat::metrics
