// stage-headers: sets and removes headers on the way upstream and on the way back, and — only
// when configured — passes fields of the caller's identity to the upstream as headers.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::plugins {

class HeadersStage : public Filter {
 public:
  HeadersStage(const Host& host, const json::Value& config);
  Status onRequest(Request& request) override;
  Status onResponse(Request& request) override;

 private:
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  Pairs set_;
  std::vector<std::string> remove_;
  Pairs identityHeaders_;  // header name → "subject" or "claim:<name>"
  Pairs responseSet_;
  std::vector<std::string> responseRemove_;
};

}  // namespace moat::plugins
