// change-window: an authorizer for the rule operations teams write first. Tools the server marks
// read-only (annotations.readOnlyHint) may be called at any time; any other tool only inside the
// change window (UTC hours, optionally weekdays only), except by the approvers, who may call it
// at any time. Prompts and resources are reads and always allowed. The host asks it for every
// call and for every item of a tools/list, so outside the window a caller's list shows only the
// read-only tools.
#pragma once

#include <set>
#include <string>

#include "moat/plugin.hpp"

class ChangeWindow : public moat::Authorizer {
 public:
  // config: {"window_utc": "09:00-17:00", "weekdays_only": true, "approvers": ["alice"],
  //          "approver_groups": ["sre"], "groups_claim": "groups"}
  ChangeWindow(const moat::Host& host, const moat::json::Value& config);
  moat::Decision authorize(moat::Request& request, const moat::AuthzQuery& query) override;

 private:
  bool inWindow() const;
  bool approver(const moat::Request::Identity& identity) const;

  moat::Host host_;
  int openMinute_ = 0;   // minutes after midnight UTC
  int closeMinute_ = 0;  // equal to open: the window never opens
  bool weekdaysOnly_ = false;
  std::set<std::string> approvers_;
  std::set<std::string> approverGroups_;
  std::string groupsClaim_ = "groups";
};
