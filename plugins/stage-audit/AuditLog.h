// Where audit events go: a file created 0600 and rotated by size (file → file.1 → … →
// file.N, the oldest dropped), or standard output. One write(2) per event on a file opened
// O_APPEND, so lines from concurrent requests never interleave. A failed write is remembered
// until a later one succeeds, so a fail-closed stage can refuse requests meanwhile.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace moat::audit {

struct LogSettings {
  std::string path;           // "-" or empty: standard output
  uint64_t maxBytes = 100ull << 20;  // rotate before a file grows past this; 0: never
  int keepFiles = 5;          // rotated files kept beside the current one
};

class AuditLog {
 public:
  explicit AuditLog(LogSettings settings);  // throws std::runtime_error when the file cannot be opened
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one line (a newline is added). False when it could not be written whole; `why`
  // then says why, once per run of failures (empty for the rest of the run).
  bool append(const std::string& line, std::string& why);
  // False while the last write failed (the next event written is the probe that ends it).
  bool healthy();

 private:
  void openLocked();  // throws std::runtime_error
  void rotateLocked();

  LogSettings settings_;
  std::mutex mutex_;
  int fd_ = -1;
  uint64_t size_ = 0;
  bool failing_ = false;
  bool regularFile_ = false;  // only a regular file is rotated
};

}  // namespace moat::audit
