// Runtime and tunnel plugins load through the same loader and their hooks work across the ABI.
#include <catch2/catch.hpp>

#include "config/ConfigError.h"
#include "pipeline/Pipeline.h"
#include "plugin/PluginRegistry.h"
#include "server/SessionBindings.h"
#include "store/SessionStoreClient.h"

#include <chrono>
#include <thread>

using moat::core::PluginRegistry;

namespace {
moat_str view(std::string_view s) { return moat_str{s.data(), s.size()}; }
struct Sink {
  std::string text;
  moat_sink sink{&text, [](void* c, const char* d, size_t n) { static_cast<std::string*>(c)->append(d, n); }};
};
}  // namespace

TEST_CASE("a runtime plugin starts, inspects, stops and removes workloads") {
  PluginRegistry registry({MOAT_FIXTURE_DIR});
  const auto& plugin = registry.byName("memory-runtime");
  REQUIRE(plugin.descriptor->kind == MOAT_KIND_RUNTIME);
  const moat_runtime_hooks* hooks = plugin.descriptor->runtime;
  Sink error;
  void* runtime = plugin.descriptor->instance_create(plugin.context.get(), view("{}"), &error.sink);
  REQUIRE(runtime);
  Sink state;
  REQUIRE(hooks->start(runtime, view(R"({"name":"web","command":"true"})"), &state.sink, &error.sink) == 1);
  CHECK(state.text == R"({"id":"web","state":"running"})");
  REQUIRE(hooks->stop(runtime, view("web"), 1000, &error.sink) == 1);
  Sink inspected;
  REQUIRE(hooks->inspect(runtime, view("web"), &inspected.sink, &error.sink) == 1);
  CHECK(inspected.text == R"({"id":"web","state":"exited"})");
  REQUIRE(hooks->remove(runtime, view("web"), &error.sink) == 1);
  Sink missing;
  CHECK(hooks->remove(runtime, view("web"), &missing.sink) == 0);
  CHECK(missing.text == "no workload web");
  Sink unsupported;
  int in = -1, out = -1;
  CHECK(hooks->attach_stdio(runtime, view("web"), &in, &out, &unsupported.sink) == 0);
  CHECK(unsupported.text == "stdio attach is not supported");
  plugin.descriptor->instance_destroy(runtime);
}

TEST_CASE("a tunnel plugin opens, reports and closes") {
  PluginRegistry registry({MOAT_FIXTURE_DIR});
  const auto& plugin = registry.byName("loopback-tunnel");
  REQUIRE(plugin.descriptor->kind == MOAT_KIND_TUNNEL);
  Sink error;
  void* tunnel = plugin.descriptor->instance_create(plugin.context.get(), view(R"({"public_prefix":"tunnel+"})"), &error.sink);
  REQUIRE(tunnel);
  Sink url, status;
  REQUIRE(plugin.descriptor->tunnel->open(tunnel, view("http://127.0.0.1:8080/mcp"), &url.sink, &error.sink) == 1);
  CHECK(url.text == "tunnel+http://127.0.0.1:8080/mcp");
  REQUIRE(plugin.descriptor->tunnel->status(tunnel, &status.sink, &error.sink) == 1);
  CHECK(status.text == R"({"state":"up"})");
  REQUIRE(plugin.descriptor->tunnel->close(tunnel, &error.sink) == 1);
  plugin.descriptor->instance_destroy(tunnel);
}

TEST_CASE("a runtime or tunnel plugin cannot be a pipeline stage") {
  PluginRegistry registry({MOAT_FIXTURE_DIR});
  moat::config::ServerConfig server;
  server.name = "s";
  moat::config::StageConfig stage;
  stage.plugin = "memory-runtime";
  stage.where = moat::config::Location{"f.yaml", 3, 7, "servers.s.pipeline[0]"};
  server.pipeline.push_back(stage);
  CHECK_THROWS_WITH(moat::core::Pipeline(server, registry),
                    Catch::Contains("plugin 'memory-runtime' is a runtime plugin and cannot be a pipeline stage"));
}

TEST_CASE("a session store plugin keeps, renews, reads and removes keys through the host's client") {
  PluginRegistry registry({MOAT_FIXTURE_DIR});
  const auto& plugin = registry.byName("memory-session-store");
  REQUIRE(plugin.descriptor->kind == MOAT_KIND_SESSION_STORE);
  CHECK(std::string(moat::core::kindName(plugin.descriptor->kind)) == "session store");
  moat::core::SessionStoreClient store(plugin, "{}");
  store.put("a", "\"alice\"", std::chrono::milliseconds(60000));
  CHECK(store.get("a") == "\"alice\"");
  CHECK(store.touch("a", std::chrono::milliseconds(60000)));
  CHECK_FALSE(store.touch("absent", std::chrono::milliseconds(1000)));
  CHECK_FALSE(store.get("absent").has_value());
  store.put("short", "x", std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK_FALSE(store.get("short").has_value());
  store.remove("a");
  CHECK_FALSE(store.get("a").has_value());
  store.put("down", "yes", std::chrono::milliseconds(1000));  // the fixture's switch
  CHECK_THROWS_AS(store.get("a"), moat::core::StoreUnavailable);
  CHECK_THROWS_WITH(store.put("b", "x", std::chrono::milliseconds(1)), "memory-session-store: the fixture store is down");
}

TEST_CASE("shared session bindings: learnt from the store by another replica, refused to another subject, fail closed when the store is down") {
  PluginRegistry registry({MOAT_FIXTURE_DIR});
  auto store = std::make_shared<moat::core::SessionStoreClient>(registry.byName("memory-session-store"), "{}");
  using moat::gateway::SessionBindings;
  SessionBindings first, second;  // two replicas' bindings for one route
  first.share(store, "moat:session:r:");
  second.share(store, "moat:session:r:");
  first.bind("s1", "alice");
  CHECK(store->get("moat:session:r:s1") == "\"alice\"");
  CHECK(second.check("s1", "bob") == SessionBindings::Check::Other);
  CHECK(second.check("s1", "alice") == SessionBindings::Check::Same);
  CHECK(second.check("s2", "alice") == SessionBindings::Check::Unbound);
  second.forget("s1");
  CHECK_FALSE(store->get("moat:session:r:s1").has_value());

  first.bind("s3", "alice");
  store->put("down", "yes", std::chrono::milliseconds(1000));
  CHECK(first.check("s3", "alice") == SessionBindings::Check::Same);          // known here: served
  CHECK(second.check("s3", "alice") == SessionBindings::Check::Unavailable);  // must ask: fails closed
  CHECK_THROWS_AS(first.bind("s4", "alice"), moat::core::StoreUnavailable);
  CHECK(first.check("s4", "alice") == SessionBindings::Check::Unavailable);  // not kept half-bound
}
