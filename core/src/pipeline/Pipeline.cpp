#include "pipeline/Pipeline.h"

#include <map>

#include "config/ConfigError.h"
#include "log/Log.h"
#include "moat/jsonrpc.hpp"
#include "metrics/Catalogue.h"
#include "trace/RequestTrace.h"

namespace moat::core {
namespace {

moat_sink stringSink(std::string& out) {
  return moat_sink{&out, [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->append(d, n); }};
}

StageOutcome interpret(moat_status status, const std::string& label, const std::string& error, const RequestContext& request) {
  switch (status) {
    case MOAT_STATUS_CONTINUE: return {};
    case MOAT_STATUS_REPLIED:
      if (request.reply) return {StageOutcome::Kind::Replied, label, ""};
      return {StageOutcome::Kind::Failed, label, "returned REPLIED without a reply"};
    case MOAT_STATUS_FAILED: return {StageOutcome::Kind::Failed, label, error.empty() ? "failed without a message" : error};
    case MOAT_STATUS_RETRY: return {StageOutcome::Kind::Failed, label, "returned RETRY from on_request (only on_response may)"};
  }
  return {StageOutcome::Kind::Failed, label, "returned an unknown status " + std::to_string(static_cast<int>(status))};
}

}  // namespace

namespace {

// The span of a stage's on_request names what the stage does: "authenticate web/auth-oidc".
std::string stageSpanName(uint32_t kind, const std::string& label) {
  switch (kind) {
    case MOAT_KIND_AUTHENTICATOR: return "authenticate " + label;
    case MOAT_KIND_AUTHORIZER: return "authorize " + label;
    case MOAT_KIND_EXCHANGER: return "exchange " + label;
    default: return "stage " + label;
  }
}

}  // namespace

Stage::Stage(const LoadedPlugin& plugin, std::string label, const std::string& configJson)
    : instance_(plugin, "plugin", std::move(label), configJson), hooks_(*plugin.descriptor->filter),
      spanName_(stageSpanName(plugin.descriptor->kind, instance_.name())) {
  if (plugin.descriptor->kind == MOAT_KIND_AUTHORIZER) authorize_ = abiField(hooks_, &moat_filter_hooks::authorize);
}

namespace {

moat_str view(const std::string& text) { return moat_str{text.data(), text.size()}; }

StageOutcome forbid(RequestContext& request, const std::string& label, const std::string& message) {
  moat_request::LocalReply reply;
  reply.status = 403;
  reply.headers = {{"Content-Type", "application/json"}};
  reply.body = jsonrpc::errorBody(jsonrpc::idJson(request.body), jsonrpc::kForbidden, message);
  request.reply = std::move(reply);
  request.notes["authorization"] = "denied";
  return {StageOutcome::Kind::Replied, label, ""};
}

}  // namespace

bool Stage::allows(RequestContext& request, const AuthzQuestion& question) const {
  moat_authz_query query{sizeof(moat_authz_query), view(question.feature), view(question.operation), view(question.target),
                         view(question.argumentsJson), view(question.annotationsJson)};
  std::string error;
  moat_sink sink = stringSink(error);
  moat_decision decision = MOAT_DECISION_FAILED;
  try {
    decision = authorize_(instance_.get(), &request, &query, &sink);
  } catch (...) {
    error = "threw an exception across the ABI boundary";
  }
  if (decision == MOAT_DECISION_ALLOW) return true;
  if (decision != MOAT_DECISION_DENY) {
    metrics::count(metrics::kPluginErrors, {{"plugin", plugin().name}, {"instance", label()}});
    log::warn("authorization", "the authorizer could not decide; denied",
              {{"stage", label()}, {"feature", question.feature}, {"target", question.target}, {"reason", error.empty() ? "no reason given" : error}});
  }
  return false;
}

StageOutcome Stage::gate(RequestContext& request, const AuthzPlan& plan) const {
  if (plan.kind == AuthzPlan::Kind::Refused) return forbid(request, label(), "not allowed: " + plan.reason);
  if (plan.kind != AuthzPlan::Kind::Ask) return {};
  AuthzQuestion question = plan.question;
  if (question.feature == "tool" && request.toolFacts) {
    std::optional<std::string> serverName = request.toolFacts->serverToolName(question.target);
    if (!serverName) return {};  // hidden by the route's tool view, which answers it as unknown
    question.target = std::move(*serverName);
    question.annotationsJson = request.toolFacts->annotations(question.target);
  }
  if (allows(request, question)) {
    request.notes["authorization"] = "allowed";
    return {};
  }
  return forbid(request, label(), question.feature + " " + plan.question.target + " is not allowed for this caller");
}

StageOutcome Stage::onRequest(RequestContext& request) const {
  trace::ChildSpan span(spanName_, trace::SpanKind::Internal);
  StageOutcome outcome = runRequestHook(request);
  if (span.active()) {
    span.set("moat.stage", label());
    span.set("moat.plugin", plugin().name);
    if (outcome.kind == StageOutcome::Kind::Replied) span.set("moat.stage.replied", static_cast<int64_t>(request.reply->status));
    if (outcome.kind == StageOutcome::Kind::Failed) span.fail(outcome.message);
  }
  return outcome;
}

StageOutcome Stage::runRequestHook(RequestContext& request) const {
  std::string error;
  moat_sink sink = stringSink(error);
  try {
    moat_status status = hooks_.on_request(instance_.get(), &request, &sink);
    return interpret(status, label(), error, request);
  } catch (...) {
    return {StageOutcome::Kind::Failed, label(), "threw an exception across the ABI boundary"};
  }
}

StageOutcome Stage::onResponse(RequestContext& request) const {
  auto hook = abiField(hooks_, &moat_filter_hooks::on_response);
  if (!hook) return {};
  std::string error;
  moat_sink sink = stringSink(error);
  try {
    moat_status status = hook(instance_.get(), &request, &sink);
    if (status == MOAT_STATUS_RETRY) return {StageOutcome::Kind::Retry, label(), ""};
    return interpret(status, label(), error, request);
  } catch (...) {
    return {StageOutcome::Kind::Failed, label(), "threw an exception across the ABI boundary"};
  }
}

void Stage::onComplete(RequestContext& request, const moat_completion& done) const {
  auto hook = abiField(hooks_, &moat_filter_hooks::on_complete);
  if (!hook) return;
  try {
    hook(instance_.get(), &request, &done);
  } catch (...) {
    metrics::count(metrics::kPluginErrors, {{"plugin", plugin().name}, {"instance", label()}});
    log::error("pipeline", "a stage threw an exception across the ABI boundary from on_complete", {{"stage", label()}});
  }
}

bool Stage::ready(std::string& why) const {
  auto hook = abiField(hooks_, &moat_filter_hooks::ready);
  if (!hook) return true;
  moat_sink sink = stringSink(why);
  try {
    if (hook(instance_.get(), &sink)) return true;
    if (why.empty()) why = "not ready (no reason given)";
    return false;
  } catch (...) {
    why = "threw an exception across the ABI boundary";
    return false;
  }
}

std::string Stage::resourceMetadata() const {
  auto hook = abiField(hooks_, &moat_filter_hooks::resource_metadata);
  if (!hook) return {};
  std::string out;
  moat_sink sink = stringSink(out);
  try {
    return hook(instance_.get(), &sink) ? out : std::string();
  } catch (...) {
    return {};
  }
}

Pipeline::Pipeline(const config::ServerConfig& server, PluginRegistry& registry) {
  std::vector<config::ConfigError> errors;
  // "<server>/<plugin>", and "<server>/<plugin>#2" for the second stage of the same plugin, so
  // that every instance's counters and log lines are its own.
  std::map<std::string, int> seen;
  auto stageLabel = [&](const std::string& pluginName) {
    int n = ++seen[pluginName];
    return server.name + "/" + pluginName + (n > 1 ? "#" + std::to_string(n) : "");
  };
  for (const auto& stageConfig : server.pipeline) {
    try {
      const LoadedPlugin& plugin = registry.byName(stageConfig.plugin);
      if (!plugin.descriptor->filter) {
        errors.push_back({stageConfig.where, std::string("plugin '") + plugin.name + "' is a " + kindName(plugin.descriptor->kind) +
                                                 " plugin and cannot be a pipeline stage"});
        continue;
      }
      stages_.push_back(std::make_unique<Stage>(plugin, stageLabel(plugin.name), stageConfig.configJson));
    } catch (const PluginError& e) {
      errors.push_back({stageConfig.where, e.what()});
    }
  }
  if (!errors.empty()) throw config::ConfigErrors(std::move(errors));
  for (const auto& stage : stages_) {
    wantsCompletion_ = wantsCompletion_ || abiField(*stage->plugin().descriptor->filter, &moat_filter_hooks::on_complete) != nullptr;
    hasAuthorizers_ = hasAuthorizers_ || stage->authorizes();
  }
}

void Pipeline::runComplete(RequestContext& request, const moat_completion& done) const {
  for (const auto& stage : stages_) stage->onComplete(request, done);
}

StageOutcome Pipeline::stoppedBy(const Stage& stage, StageOutcome outcome) {
  outcome.stageKind = stage.plugin().descriptor->kind;
  if (outcome.kind == StageOutcome::Kind::Failed)
    metrics::count(metrics::kPluginErrors, {{"plugin", stage.plugin().name}, {"instance", stage.label()}});
  return outcome;
}

StageOutcome Pipeline::runRequest(RequestContext& request, size_t first) const {
  std::optional<AuthzPlan> plan;  // read from the body once, at the first authorizer
  for (size_t i = first; i < stages_.size(); ++i) {
    StageOutcome outcome = stages_[i]->onRequest(request);
    if (outcome.kind == StageOutcome::Kind::Continue && stages_[i]->authorizes()) {
      if (!plan) plan = planAuthorization(request);
      outcome = stages_[i]->gate(request, *plan);
    }
    if (outcome.kind != StageOutcome::Kind::Continue) return stoppedBy(*stages_[i], std::move(outcome));
  }
  return {};
}

bool Pipeline::allows(RequestContext& request, const AuthzQuestion& question) const {
  for (const auto& stage : stages_)
    if (stage->authorizes() && !stage->allows(request, question)) return false;
  return true;
}

StageOutcome Pipeline::runResponse(RequestContext& request, bool mayRetry) const {
  for (size_t i = stages_.size(); i-- > 0;) {
    StageOutcome outcome = stages_[i]->onResponse(request);
    if (outcome.kind == StageOutcome::Kind::Retry && !mayRetry) {
      log::info("pipeline", "a stage asked to send the request again; it was sent twice already, or this upstream cannot resend it",
                {{"stage", outcome.stage}, {"status", std::to_string(request.responseStatus)}});
      continue;
    }
    if (outcome.kind != StageOutcome::Kind::Continue) {
      outcome.position = i;
      return stoppedBy(*stages_[i], std::move(outcome));
    }
  }
  return {};
}

}  // namespace moat::core
