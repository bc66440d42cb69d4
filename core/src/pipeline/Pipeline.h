// One server's chain of plugin instances, run in YAML order on the request and in reverse on
// the response. A stage that throws, fails or misbehaves fails only the request it was serving.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/Config.h"
#include "pipeline/AuthorizationGate.h"
#include "plugin/RequestContext.h"
#include "plugin/PluginInstance.h"

namespace moat::core {

struct StageOutcome {
  // Retry: on the response only, the stage wants the request sent again (see abi.h).
  enum class Kind { Continue, Replied, Failed, Retry } kind = Kind::Continue;
  std::string stage;    // the stage's label when not Continue
  std::string message;  // why it failed
  size_t position = 0;  // the stage's place in the pipeline, for Retry
  uint32_t stageKind = 0;  // the stage's plugin kind (MOAT_KIND_*) when not Continue
};

class Stage {
 public:
  // Throws PluginError when the plugin refuses its configuration.
  Stage(const LoadedPlugin& plugin, std::string label, const std::string& configJson);

  const std::string& label() const { return instance_.name(); }
  const LoadedPlugin& plugin() const { return instance_.plugin(); }
  StageOutcome onRequest(RequestContext& request) const;
  StageOutcome onResponse(RequestContext& request) const;
  // Does nothing for a plugin without on_complete (older than ABI 1.5, or not wanting it).
  void onComplete(RequestContext& request, const moat_completion& done) const;
  // RFC 9728 fields from an authenticator, or empty.
  std::string resourceMetadata() const;
  // True for a plugin without the ready hook; otherwise what it says, with `why`.
  bool ready(std::string& why) const;
  // An authorizer with the authorize hook (ABI 1.6).
  bool authorizes() const { return authorize_ != nullptr; }
  // The gate at this authorizer's place: Continue, or Replied with a 403.
  StageOutcome gate(RequestContext& request, const AuthzPlan& plan) const;
  // This authorizer's decision on one question; a failure is logged and counts as a denial.
  bool allows(RequestContext& request, const AuthzQuestion& question) const;

 private:
  StageOutcome runRequestHook(RequestContext& request) const;

  PluginInstance instance_;
  const moat_filter_hooks& hooks_;
  std::string spanName_;
  decltype(moat_filter_hooks::authorize) authorize_ = nullptr;
};

class Pipeline {
 public:
  // Creates every stage's instance; throws config::ConfigErrors naming the stage's location.
  Pipeline(const config::ServerConfig& server, PluginRegistry& registry);
  // No stages: for a request another replica has already run the route's pipeline on.
  Pipeline() = default;

  bool empty() const { return stages_.empty(); }
  const std::vector<std::unique_ptr<Stage>>& stages() const { return stages_; }
  // From stage `first` on (a retried request runs again from the stage that asked).
  StageOutcome runRequest(RequestContext& request, size_t first = 0) const;
  // Without `mayRetry`, a stage's RETRY is logged and counts as CONTINUE.
  StageOutcome runResponse(RequestContext& request, bool mayRetry = false) const;
  // Every stage's on_complete, in order, once the client has its answer.
  void runComplete(RequestContext& request, const moat_completion& done) const;
  bool wantsCompletion() const { return wantsCompletion_; }
  bool hasAuthorizers() const { return hasAuthorizers_; }
  // Whether every authorizer allows `question` (an item of a list answer).
  bool allows(RequestContext& request, const AuthzQuestion& question) const;

 private:
  // Notes which kind of stage stopped the request, and counts a failure against its instance.
  static StageOutcome stoppedBy(const Stage& stage, StageOutcome outcome);

  std::vector<std::unique_ptr<Stage>> stages_;
  bool wantsCompletion_ = false;  // some stage has on_complete
  bool hasAuthorizers_ = false;
};

}  // namespace moat::core
