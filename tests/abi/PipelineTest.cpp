// The pipeline engine over real loaded plugins: order, local replies, failures contained.
#include <catch2/catch.hpp>

#include "config/ConfigError.h"
#include "TestServer.h"
#include "metrics/Counters.h"
#include "pipeline/Pipeline.h"

using namespace moat;

using testing::serverWith;

TEST_CASE("a C stage sets an upstream header and continues") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"c-stage", "{}"}}), registry);
  core::RequestContext request;
  auto outcome = pipeline.runRequest(request);
  CHECK(outcome.kind == core::StageOutcome::Kind::Continue);
  CHECK(request.upstreamHeaders.get("X-From-C") == "yes");
}

TEST_CASE("a stage's local reply stops the pipeline") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"c-stage", "{}"}, {"throwing", "{}"}}), registry);
  core::RequestContext request;
  request.upstreamHeaders.set("X-Deny", "1");
  request.body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})";
  auto outcome = pipeline.runRequest(request);
  REQUIRE(outcome.kind == core::StageOutcome::Kind::Replied);
  CHECK(request.reply->status == 401);
  CHECK(request.reply->headers.at(0).first == "WWW-Authenticate");
}

TEST_CASE("RETRY on the response runs the request stages again from the stage that asked, once") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"c-stage", "{}"}, {"c-stage", "{}"}}), registry);
  core::RequestContext request;
  REQUIRE(pipeline.runRequest(request).kind == core::StageOutcome::Kind::Continue);
  CHECK(request.upstreamHeaders.get("X-Attempt") == "2");  // both stages ran
  request.responseStatus = 403;
  auto outcome = pipeline.runResponse(request, true);
  REQUIRE(outcome.kind == core::StageOutcome::Kind::Retry);
  CHECK(outcome.position == 1);  // the response runs in reverse: the second stage asked first
  CHECK(outcome.stage == "test/c-stage#2");
  REQUIRE(pipeline.runRequest(request, outcome.position).kind == core::StageOutcome::Kind::Continue);
  CHECK(request.upstreamHeaders.get("X-Attempt") == "3");  // only the second stage ran again
  // Without leave to retry, RETRY counts as CONTINUE and the other stages still run.
  CHECK(pipeline.runResponse(request, false).kind == core::StageOutcome::Kind::Continue);
}

TEST_CASE("REPLIED on the response replaces the upstream's response") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"c-stage", "{}"}}), registry);
  core::RequestContext request;
  REQUIRE(pipeline.runRequest(request).kind == core::StageOutcome::Kind::Continue);
  request.responseStatus = 409;
  REQUIRE(pipeline.runResponse(request, true).kind == core::StageOutcome::Kind::Replied);
  CHECK(request.reply->status == 418);
  CHECK(request.reply->body == R"({"error":"replaced"})");
}

TEST_CASE("an exception inside a plugin fails the request with its message") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"throwing", "{}"}}), registry);
  core::RequestContext call;
  call.body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})";
  auto outcome = pipeline.runRequest(call);
  CHECK(outcome.kind == core::StageOutcome::Kind::Failed);
  CHECK(outcome.message == "fixture exploded on tools/call");
  CHECK(outcome.stage == "test/throwing");

  core::RequestContext list;
  list.body = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
  CHECK(pipeline.runRequest(list).kind == core::StageOutcome::Kind::Continue);
}

TEST_CASE("a rejected stage configuration names the stage's file and line") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  try {
    core::Pipeline pipeline(serverWith({{"throwing", R"({"reject":true})"}, {"absent", "{}"}}), registry);
    FAIL("expected the pipeline to refuse its configuration");
  } catch (const config::ConfigErrors& e) {
    REQUIRE(e.errors().size() == 2);
    CHECK(e.errors()[0].format() == "test.yaml:7:3: servers.test.pipeline[0]: plugin 'throwing' rejected its configuration: configured to reject");
    CHECK_THAT(e.errors()[1].message, Catch::Contains("libmoat-absent.so"));
  }
}

TEST_CASE("on_complete sees every request once it is answered, whichever stage answered it, with its notes") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"c-stage", "{}"}}), registry);
  REQUIRE(pipeline.wantsCompletion());
  const int64_t deniedBefore = metrics::value("completed_denied"), notesBefore = metrics::value("note_survived"),
                answeredBefore = metrics::value("answered_by_stage");
  core::RequestContext request;
  request.upstreamHeaders.set("X-Deny", "1");
  request.body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}})";
  auto outcome = pipeline.runRequest(request);
  REQUIRE(outcome.kind == core::StageOutcome::Kind::Replied);
  CHECK(request.notes.at("c-stage.target") == "echo");
  moat_completion done{};
  done.struct_size = sizeof done;
  done.status = 401;
  done.outcome = MOAT_OUTCOME_DENIED;
  done.answered_by = moat_str{outcome.stage.data(), outcome.stage.size()};
  pipeline.runComplete(request, done);
  CHECK(metrics::value("completed_denied") == deniedBefore + 1);
  CHECK(metrics::value("note_survived") == notesBefore + 1);
  CHECK(metrics::value("answered_by_stage") == answeredBefore + 1);
}

TEST_CASE("a plugin of an older minor has no on_complete, and is never asked for one") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"compat-1-4", "{}"}}), registry);
  CHECK_FALSE(pipeline.wantsCompletion());
}
