// The pipeline engine over real loaded plugins: order, local replies, failures contained.
#include <catch2/catch.hpp>

#include "config/ConfigError.h"
#include "TestServer.h"
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
