#include "AuditLog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace moat::audit {
namespace {

bool toStdout(const LogSettings& settings) { return settings.path.empty() || settings.path == "-"; }

}  // namespace

AuditLog::AuditLog(LogSettings settings) : settings_(std::move(settings)) {
  std::lock_guard<std::mutex> lock(mutex_);
  openLocked();
}

AuditLog::~AuditLog() {
  if (fd_ >= 0 && !toStdout(settings_)) ::close(fd_);
}

void AuditLog::openLocked() {
  if (toStdout(settings_)) {
    fd_ = STDOUT_FILENO;
    return;
  }
  // 0600 from the start: an audit trail names users and tools, and no umask may widen it.
  int fd = ::open(settings_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open the audit file " + settings_.path + ": " + std::strerror(errno));
  struct stat info {};
  regularFile_ = false;
  if (::fstat(fd, &info) == 0) {
    // A device or pipe (/dev/stdout, a FIFO to a shipper) is never renamed away.
    regularFile_ = S_ISREG(info.st_mode);
    size_ = static_cast<uint64_t>(info.st_size);
    if (regularFile_ && (info.st_mode & 0077) != 0) ::fchmod(fd, 0600);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void AuditLog::rotateLocked() {
  const std::string& base = settings_.path;
  std::remove((base + "." + std::to_string(settings_.keepFiles)).c_str());
  for (int n = settings_.keepFiles - 1; n >= 1; --n)
    std::rename((base + "." + std::to_string(n)).c_str(), (base + "." + std::to_string(n + 1)).c_str());
  if (settings_.keepFiles > 0) std::rename(base.c_str(), (base + ".1").c_str());
  else std::remove(base.c_str());
  size_ = 0;
  openLocked();
}

bool AuditLog::append(const std::string& line, std::string& why) {
  std::string text = line + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  why.clear();
  try {
    if (regularFile_ && settings_.maxBytes > 0 && size_ > 0 && size_ + text.size() > settings_.maxBytes) rotateLocked();
    if (fd_ < 0) openLocked();
  } catch (const std::exception& e) {
    if (!failing_) why = e.what();
    failing_ = true;
    return false;
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!failing_) why = std::string("cannot write the audit file ") + (toStdout(settings_) ? "(standard output)" : settings_.path) +
                           ": " + (n < 0 ? std::strerror(errno) : "nothing written");
      failing_ = true;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  size_ += text.size();
  failing_ = false;
  return true;
}

bool AuditLog::healthy() {
  std::lock_guard<std::mutex> lock(mutex_);
  return !failing_;
}

}  // namespace moat::audit
