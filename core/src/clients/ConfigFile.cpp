#include "clients/ConfigFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace moat::clients {
namespace fs = std::filesystem;
namespace {

std::runtime_error failure(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

void writeAll(int fd, const std::string& text, const std::string& path) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw failure("cannot write", path);
    done += static_cast<size_t>(n);
  }
}

void copyFile(const std::string& from, const std::string& to, mode_t mode) {
  auto text = readConfigFile(from);
  int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw failure("cannot create the backup", to);
  try {
    writeAll(fd, text.value_or(""), to);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw failure("cannot write the backup", to);
}

}  // namespace

std::optional<std::string> readConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ignored;
    if (!fs::exists(path, ignored)) return std::nullopt;
    throw failure("cannot read", path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void replaceConfigFile(const std::string& requested, const std::string& text) {
  std::error_code error;
  std::string path = fs::is_symlink(requested, error) ? fs::canonical(requested).string() : requested;
  fs::create_directories(fs::path(path).parent_path(), error);
  struct stat original {};
  const bool exists = ::stat(path.c_str(), &original) == 0;
  // A new file may come to hold other servers' credentials: the user's alone.
  const mode_t mode = exists ? (original.st_mode & 07777) : 0600;
  const std::string backup = path + ".moat-backup";
  if (exists && !fs::exists(backup, error)) copyFile(path, backup, mode);

  const std::string temporary = path + ".moat-" + std::to_string(::getpid()) + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw failure("cannot create", temporary);
  try {
    writeAll(fd, text, temporary);
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) throw failure("cannot write", temporary);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw failure("cannot replace", path);
  }
}

}  // namespace moat::clients
