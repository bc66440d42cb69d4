#include "config/Units.h"

#include <cctype>
#include <string>

#include "moat/settings.hpp"

namespace moat::config {
namespace {

// Splits "250ms" into 250 and "ms"; false when there is no leading number.
bool splitNumber(std::string_view text, long long& number, std::string_view& unit) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 15) return false;
  number = std::stoll(std::string(text.substr(0, i)));
  unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<long long> parseDurationMs(std::string_view text) { return settings::parseDurationMs(text); }

std::optional<size_t> parseBytes(std::string_view text) {
  long long n = 0;
  std::string_view unit;
  if (!splitNumber(text, n, unit)) return std::nullopt;
  if (unit.empty() || unit == "B") return static_cast<size_t>(n);
  if (unit == "KiB" || unit == "K") return static_cast<size_t>(n) << 10;
  if (unit == "MiB" || unit == "M") return static_cast<size_t>(n) << 20;
  if (unit == "GiB" || unit == "G") return static_cast<size_t>(n) << 30;
  return std::nullopt;
}

}  // namespace moat::config
