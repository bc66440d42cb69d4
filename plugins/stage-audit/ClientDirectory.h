// Which MCP client (clientInfo name and version from its initialize) holds each session, so
// every later event of the session names it. Bounded: the oldest sessions are forgotten first.
#pragma once

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace moat::audit {

class ClientDirectory {
 public:
  explicit ClientDirectory(size_t capacity = 10000) : capacity_(capacity) {}

  void remember(const std::string& session, std::string name, std::string version);
  // {name, version}, or two empty strings.
  std::pair<std::string, std::string> find(const std::string& session);
  void forget(const std::string& session);

 private:
  struct Client {
    std::string name, version;
    std::list<std::string>::iterator age;
  };
  size_t capacity_;
  std::mutex mutex_;
  std::list<std::string> order_;  // oldest first
  std::unordered_map<std::string, Client> clients_;
};

}  // namespace moat::audit
