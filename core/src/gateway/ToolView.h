// A route's view of its server's tools (servers.NAME.tools): which tools clients see, under
// which names and descriptions. The list answers are rewritten to that view and calls are
// mapped back to the server's names; a tool outside the view cannot be called, whatever name a
// client tries, including the original name of a renamed tool.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "config/Config.h"
#include "moat/json.hpp"

namespace moat::gateway {

class ToolView {
 public:
  explicit ToolView(const config::ToolsConfig& tools);
  ToolView(const ToolView&) = delete;  // byOriginal_ points into tools_
  ToolView& operator=(const ToolView&) = delete;

  // The server's name for the tool a client called `shown`; nullopt when clients may not call it.
  std::optional<std::string> serverName(const std::string& shown) const;

  // A tools/list answer (one JSON-RPC message) in the view; false when `message` holds no tool
  // list and is left as it is.
  bool rewriteListAnswer(std::string& message) const;
  // The tools array of such an answer, in place.
  void rewriteTools(json::Value& tools) const;

  // A request (one JSON-RPC message, or a batch) with the server's tool names in its tools/call
  // messages. nullopt: it calls a tool outside the view (`refused` names it). Throws
  // std::invalid_argument for a member name that differs from method, params or name only in
  // case, which a server whose JSON decoder ignores case (Go's) would read past the view, and
  // for a tools/list inside a batch.
  std::optional<std::string> rewriteCall(const std::string& body, std::string& refused) const;

 private:
  bool shown(const std::string& name) const;

  std::set<std::string> allow_;
  std::set<std::string> deny_;
  std::unordered_map<std::string, const config::ToolOverride*> byOriginal_;
  std::unordered_map<std::string, std::string> originalByNewName_;
  config::ToolsConfig tools_;
};

}  // namespace moat::gateway
