// Human-friendly quantities in configuration: durations ("30s", "250ms", "2m") and sizes
// ("4MiB", "512KiB", "1000").
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace moat::config {

// Milliseconds, or nullopt when the text is not a duration. A bare number means milliseconds.
std::optional<long long> parseDurationMs(std::string_view text);
// Bytes, or nullopt when the text is not a size. A bare number means bytes.
std::optional<size_t> parseBytes(std::string_view text);

}  // namespace moat::config
