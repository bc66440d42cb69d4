#include "metrics/Counters.h"

#include <cctype>

#include "metrics/Registry.h"

namespace moat::metrics {
namespace {

std::string familyName(std::string_view name) {
  std::string out = "moat_";
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out + "_total";
}

}  // namespace

void add(std::string_view name, int64_t delta) { count(familyName(name), {}, delta); }

void add(std::string_view name, std::string_view instance, int64_t delta) {
  count(familyName(name), {{"instance", instance}}, delta);
}

int64_t value(std::string_view name) { return valueOf(familyName(name)); }

int64_t value(std::string_view name, std::string_view instance) { return valueOf(familyName(name), {{"instance", instance}}); }

std::string prometheusText() { return exposition(); }

}  // namespace moat::metrics
