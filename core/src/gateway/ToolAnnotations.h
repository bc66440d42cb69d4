// The annotations (readOnlyHint, destructiveHint, ...) a server gave its tools in the tools/list
// answers of each session, so an authorizer deciding on a tools/call can see them. Bounded: the
// oldest sessions are forgotten first, and a forgotten session's tools have "{}" until it lists
// its tools again.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "moat/json.hpp"

namespace moat::gateway {

class ToolAnnotations {
 public:
  explicit ToolAnnotations(size_t maxSessions = 4096) : maxSessions_(maxSessions) {}
  // `tools`: the tools array of a tools/list answer (one page of it).
  void record(const std::string& session, const json::Value& tools);
  // The tool's annotations as a JSON object; "{}" when unknown.
  std::string lookup(const std::string& session, const std::string& tool) const;

 private:
  size_t maxSessions_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::map<std::string, std::string>> bySession_;
  std::deque<std::string> arrival_;  // sessions, oldest first
};

}  // namespace moat::gateway
