#include "ChangeWindow.h"

#include <stdexcept>

#include "moat/settings.hpp"

namespace {

// "HH:MM" as minutes after midnight.
int minuteOf(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') throw std::runtime_error("window_utc: expected HH:MM-HH:MM");
  const int hours = std::stoi(text.substr(0, 2)), minutes = std::stoi(text.substr(3, 2));
  if (hours > 23 || minutes > 59) throw std::runtime_error("window_utc: " + text + " is not a time of day");
  return hours * 60 + minutes;
}

}  // namespace

ChangeWindow::ChangeWindow(const moat::Host& host, const moat::json::Value& config) : host_(host) {
  moat::settings::checkKeys(config, {"window_utc", "weekdays_only", "approvers", "approver_groups", "groups_claim"}, host.instanceName());
  const std::string window = moat::settings::required(config, "window_utc", "the change window, e.g. 09:00-17:00");
  const size_t dash = window.find('-');
  if (dash == std::string::npos) throw std::runtime_error("window_utc: expected HH:MM-HH:MM");
  openMinute_ = minuteOf(window.substr(0, dash));
  closeMinute_ = minuteOf(window.substr(dash + 1));
  weekdaysOnly_ = moat::settings::flag(config, "weekdays_only", false);
  for (const auto& name : moat::settings::list(config, "approvers")) approvers_.insert(name);
  for (const auto& group : moat::settings::list(config, "approver_groups")) approverGroups_.insert(group);
  if (const std::string claim = moat::settings::text(config, "groups_claim"); !claim.empty()) groupsClaim_ = claim;
}

bool ChangeWindow::inWindow() const {
  const int64_t seconds = host_.nowUnixMs() / 1000;
  const int minute = static_cast<int>((seconds / 60) % (24 * 60));
  const int weekday = static_cast<int>((seconds / 86400 + 4) % 7);  // 1970-01-01 was a Thursday; 0 is Sunday
  if (weekdaysOnly_ && (weekday == 0 || weekday == 6)) return false;
  if (openMinute_ <= closeMinute_) return minute >= openMinute_ && minute < closeMinute_;
  return minute >= openMinute_ || minute < closeMinute_;  // a window across midnight
}

bool ChangeWindow::approver(const moat::Request::Identity& identity) const {
  if (approvers_.count(std::string(identity.subject))) return true;
  if (approverGroups_.empty()) return false;
  const moat::json::Value claims = moat::json::parse(identity.claimsJson.empty() ? "{}" : identity.claimsJson);
  const moat::json::Value* groups = claims.find(groupsClaim_);
  if (!groups || !groups->isArray()) return false;
  for (const auto& group : groups->items())
    if (group.isString() && approverGroups_.count(group.asString())) return true;
  return false;
}

moat::Decision ChangeWindow::authorize(moat::Request& request, const moat::AuthzQuery& query) {
  if (query.feature != "tool") return moat::Decision::Allow;
  const moat::json::Value annotations = moat::json::parse(query.annotationsJson.empty() ? "{}" : query.annotationsJson);
  const moat::json::Value* readOnly = annotations.find("readOnlyHint");
  if (readOnly && readOnly->type() == moat::json::Value::Type::Bool && readOnly->asBool()) return moat::Decision::Allow;
  if (inWindow()) return moat::Decision::Allow;
  auto identity = request.identity();
  if (identity && approver(*identity)) {
    host_.count("approver_calls");
    return moat::Decision::Allow;
  }
  host_.count("outside_window");
  return moat::Decision::Deny;
}

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHORIZER, "change-window", "1.0.0",
                   "Tools that change things only inside a change window, or by approvers (a sample authorizer)", ChangeWindow)
