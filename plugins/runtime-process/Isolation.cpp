#include "Isolation.h"

#include "moat/settings.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace {

std::string findBwrap() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    std::string candidate = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start) + "/bwrap";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  throw std::runtime_error("isolation needs bubblewrap (apt-get install bubblewrap): bwrap is not in PATH");
}

std::vector<std::string> absolutePaths(const moat::json::Value& isolation, const char* key) {
  std::vector<std::string> out;
  const moat::json::Value* list = isolation.find(key);
  if (!list || list->isNull()) return out;
  if (!list->isArray()) throw std::runtime_error(std::string("isolation.") + key + " must be a list of absolute paths");
  for (const auto& item : list->items()) {
    if (!item.isString() || item.asString().empty() || item.asString()[0] != '/')
      throw std::runtime_error(std::string("isolation.") + key + " must be a list of absolute paths");
    out.push_back(item.asString());
  }
  return out;
}

}  // namespace

std::vector<std::string> isolatedCommand(const moat::json::Value& isolation, const std::vector<std::string>& command) {
  moat::settings::checkKeys(isolation, {"network", "writable", "readable", "hide"}, {}, "isolation.");
  bool network = false;
  if (const moat::json::Value* n = isolation.find("network")) {
    if (n->type() != moat::json::Value::Type::Bool) throw std::runtime_error("isolation.network must be true or false");
    network = n->asBool();
  }
  std::vector<std::string> argv{findBwrap(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                                "--unshare-all", "--die-with-parent", "--new-session"};
  if (network) argv.push_back("--share-net");
  for (const auto& path : absolutePaths(isolation, "hide")) argv.insert(argv.end(), {"--tmpfs", path});
  // After the private /tmp and the hidden paths, so these can bring back what they covered.
  for (const auto& path : absolutePaths(isolation, "readable")) argv.insert(argv.end(), {"--ro-bind", path, path});
  for (const auto& path : absolutePaths(isolation, "writable")) argv.insert(argv.end(), {"--bind", path, path});
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}
