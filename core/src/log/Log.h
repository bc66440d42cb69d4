// The gateway's log: one line per event, readable text on a terminal or JSON when asked.
// Every line written while a request is being served carries that request's id.
// Callers never pass token or secret values; header values are never logged.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::log {

enum class Level { Trace = 0, Debug = 1, Info = 2, Warn = 3, Error = 4 };
enum class Format { Text, Json };

using Fields = std::vector<std::pair<std::string_view, std::string>>;

void configure(Format format, Level minimum);
bool enabled(Level level);
void write(Level level, std::string_view component, std::string_view message, const Fields& fields = {});

bool parseLevel(std::string_view text, Level& out);
bool parseFormat(std::string_view text, Format& out);

// Sets the request id for log lines written on this thread until destroyed.
class RequestScope {
 public:
  explicit RequestScope(std::string requestId);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  std::string previous_;
};

// A path with every query value replaced by "***": query strings often carry tokens.
std::string redactQuery(std::string_view pathAndQuery);

inline void info(std::string_view c, std::string_view m, const Fields& f = {}) { write(Level::Info, c, m, f); }
inline void warn(std::string_view c, std::string_view m, const Fields& f = {}) { write(Level::Warn, c, m, f); }
inline void error(std::string_view c, std::string_view m, const Fields& f = {}) { write(Level::Error, c, m, f); }
inline void debug(std::string_view c, std::string_view m, const Fields& f = {}) { write(Level::Debug, c, m, f); }

}  // namespace moat::log
