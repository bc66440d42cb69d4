#include "log/Log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "log/LineWriter.h"
#include "moat/json.hpp"

namespace moat::log {
namespace {

std::atomic<Format> gFormat{Format::Text};
std::atomic<Level> gMinimum{Level::Info};
thread_local std::string tRequestId;

const char* levelName(Level level) {
  switch (level) {
    case Level::Trace: return "trace";
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return buffer;
}

bool needsQuoting(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

std::string textLine(Level level, std::string_view component, std::string_view message, const Fields& fields) {
  std::string line = timestamp();
  line += ' ';
  line += levelName(level);
  line += " [";
  line += component;
  line += "] ";
  line += message;
  if (!tRequestId.empty()) {
    line += " request_id=";
    line += tRequestId;
  }
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    line += needsQuoting(value) ? json::quote(value) : value;
  }
  line += '\n';
  return line;
}

std::string jsonLine(Level level, std::string_view component, std::string_view message, const Fields& fields) {
  std::string line = "{\"time\":\"" + timestamp() + "\",\"level\":\"" + levelName(level) + "\",\"component\":" +
                     json::quote(component) + ",\"message\":" + json::quote(message);
  if (!tRequestId.empty()) line += ",\"request_id\":" + json::quote(tRequestId);
  for (const auto& [key, value] : fields) line += "," + json::quote(key) + ":" + json::quote(value);
  line += "}\n";
  return line;
}

}  // namespace

void configure(Format format, Level minimum) {
  gFormat = format;
  gMinimum = minimum;
}

bool enabled(Level level) { return level >= gMinimum.load(std::memory_order_relaxed); }

void write(Level level, std::string_view component, std::string_view message, const Fields& fields) {
  if (!enabled(level)) return;
  std::string line = gFormat == Format::Json ? jsonLine(level, component, message, fields)
                                             : textLine(level, component, message, fields);
  enqueueLine(std::move(line));
}

bool parseLevel(std::string_view text, Level& out) {
  static const std::pair<std::string_view, Level> names[] = {
      {"trace", Level::Trace}, {"debug", Level::Debug}, {"info", Level::Info}, {"warn", Level::Warn}, {"error", Level::Error}};
  for (const auto& [name, level] : names)
    if (name == text) { out = level; return true; }
  return false;
}

bool parseFormat(std::string_view text, Format& out) {
  if (text == "text") { out = Format::Text; return true; }
  if (text == "json") { out = Format::Json; return true; }
  return false;
}

RequestScope::RequestScope(std::string requestId) : previous_(std::move(tRequestId)) { tRequestId = std::move(requestId); }
RequestScope::~RequestScope() { tRequestId = std::move(previous_); }

std::string redactQuery(std::string_view pathAndQuery) {
  auto q = pathAndQuery.find('?');
  if (q == std::string_view::npos) return std::string(pathAndQuery);
  std::string out(pathAndQuery.substr(0, q + 1));
  std::string_view query = pathAndQuery.substr(q + 1);
  bool inValue = false;
  for (char c : query) {
    if (c == '&') { inValue = false; out += c; continue; }
    if (c == '=' && !inValue) { inValue = true; out += "=***"; continue; }
    if (!inValue) out += c;
  }
  return out;
}

}  // namespace moat::log
