// Plugins built against the frozen 1.0, 1.1 and 1.2 headers load in the current host and are
// served with what their minor knows; a newer minor is refused; counters are per instance.
#include <catch2/catch.hpp>

#include "TestServer.h"
#include "metrics/Counters.h"
#include "pipeline/Pipeline.h"
#include "plugin/PluginRegistry.h"

using namespace moat;

using testing::serverWith;

TEST_CASE("a plugin of every older minor loads and serves requests with what its minor offers") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  for (int minor : {0, 1, 2, 3, 4, 5, 6}) {
    std::string name = "compat-1-" + std::to_string(minor);
    INFO(name);
    const core::LoadedPlugin& plugin = registry.byName(name);
    CHECK(plugin.descriptor->abi_version == ((1u << 16) | static_cast<uint32_t>(minor)));

    core::Pipeline pipeline(serverWith({{name, "{}"}}, "compat"), registry);
    core::RequestContext request;
    request.resourceUrl = "https://mcp.example.test/compat/mcp";
    REQUIRE(pipeline.runRequest(request).kind == core::StageOutcome::Kind::Continue);
    CHECK(request.upstreamHeaders.get("X-Compat-Minor") == std::to_string(minor));
    CHECK(request.upstreamHeaders.get("X-Compat-Host-Abi") == std::to_string(MOAT_ABI_VERSION));
    CHECK(request.identitySubject == "compat-user");
    CHECK(request.upstreamHeaders.has("X-Compat-Resource") == (minor >= 1));
    if (minor >= 1) CHECK(request.upstreamHeaders.get("X-Compat-Resource") == request.resourceUrl);
    CHECK(request.upstreamHeaders.has("X-Compat-Credential") == (minor >= 2));
    if (minor >= 2) CHECK(request.upstreamHeaders.get("X-Compat-Credential") == "handed-on");
    CHECK(request.upstreamHeaders.has("X-Compat-Instance") == (minor >= 3));
    if (minor >= 3) CHECK(request.upstreamHeaders.get("X-Compat-Instance") == "compat/" + name);

    request.responseStatus = 200;
    REQUIRE(pipeline.runResponse(request).kind == core::StageOutcome::Kind::Continue);
    CHECK(request.responseHeaders.get("X-Compat-Seen") == "yes");
  }
}

TEST_CASE("a plugin built for a newer minor is refused with both versions named") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  std::string newer = "1." + std::to_string(MOAT_ABI_VERSION_MINOR + 1);
  CHECK_THROWS_WITH(registry.loadFile(std::string(MOAT_FIXTURE_DIR) + "/libmoat-newer-minor.so"),
                    Catch::Contains("built for Moat plugin ABI " + newer) &&
                        Catch::Contains("this host speaks ABI " + core::abiVersionText(MOAT_ABI_VERSION)) &&
                        Catch::Contains("upgrade Moat"));
}

TEST_CASE("each instance counts for itself, and knows its name") {
  core::PluginRegistry registry({MOAT_FIXTURE_DIR});
  core::Pipeline pipeline(serverWith({{"compat-1-2", "{}"}, {"compat-1-2", "{}"}}, "compat"), registry);
  REQUIRE(pipeline.stages().size() == 2);
  CHECK(pipeline.stages()[0]->label() == "compat/compat-1-2");
  CHECK(pipeline.stages()[1]->label() == "compat/compat-1-2#2");

  int64_t firstBefore = metrics::value("compat-1-2.calls", "compat/compat-1-2");
  int64_t secondBefore = metrics::value("compat-1-2.calls", "compat/compat-1-2#2");
  for (int i = 0; i < 3; ++i) {
    core::RequestContext request;
    REQUIRE(pipeline.runRequest(request).kind == core::StageOutcome::Kind::Continue);
  }
  CHECK(metrics::value("compat-1-2.calls", "compat/compat-1-2") - firstBefore == 3);
  CHECK(metrics::value("compat-1-2.calls", "compat/compat-1-2#2") - secondBefore == 3);
  CHECK_THAT(metrics::prometheusText(), Catch::Contains("moat_compat_1_2_calls_total{instance=\"compat/compat-1-2#2\"} "));

  const moat_host_api* api = core::hostApi();
  const core::LoadedPlugin& plugin = registry.byName("compat-1-2");
  moat_str pluginWide = api->instance_name(plugin.context.get());
  CHECK(pluginWide.len == 0);
}
