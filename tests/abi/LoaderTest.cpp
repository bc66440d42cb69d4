// One test per way a plugin file can be wrong, each asserting the message a user would read.
#include <catch2/catch.hpp>

#include "plugin/PluginRegistry.h"

using moat::core::PluginError;
using moat::core::PluginRegistry;

namespace {
const std::string kDir = MOAT_FIXTURE_DIR;
std::string file(const std::string& name) { return kDir + "/libmoat-" + name + ".so"; }
}  // namespace

TEST_CASE("a well-formed C plugin loads with its name, kind and ABI version") {
  PluginRegistry registry({kDir});
  const auto& plugin = registry.byName("c-stage");
  CHECK(plugin.name == "c-stage");
  CHECK(plugin.descriptor->kind == MOAT_KIND_STAGE);
  CHECK(plugin.descriptor->abi_version == MOAT_ABI_VERSION);
  CHECK(&registry.byName("c-stage") == &plugin);
}

TEST_CASE("file not found names the file") {
  PluginRegistry registry({kDir});
  CHECK_THROWS_WITH(registry.loadFile(kDir + "/libmoat-nowhere.so"), Catch::Contains("libmoat-nowhere.so: not found"));
}

TEST_CASE("a name missing from the search path names the file looked for and the path") {
  PluginRegistry registry({kDir});
  CHECK_THROWS_WITH(registry.byName("absent"),
                    Catch::Contains("no file libmoat-absent.so in the plugin search path") && Catch::Contains(kDir));
}

TEST_CASE("a file that is not a shared object reports dlopen's own message") {
  PluginRegistry registry({kDir});
  CHECK_THROWS_WITH(registry.loadFile(file("garbage")), Catch::Contains("cannot be loaded") && Catch::Contains("libmoat-garbage.so"));
}

TEST_CASE("a shared object without the entry points is not a Moat plugin") {
  PluginRegistry registry({kDir});
  CHECK_THROWS_WITH(registry.loadFile(file("not-a-plugin")), Catch::Contains("not a Moat plugin"));
}

TEST_CASE("another ABI major is refused with both versions named") {
  PluginRegistry registry({kDir});
  CHECK_THROWS_WITH(registry.loadFile(file("wrong-major")),
                    Catch::Contains("built for Moat plugin ABI 2.0") && Catch::Contains("this host speaks ABI 1."));
}

TEST_CASE("a missing required hook is named") {
  PluginRegistry registry({kDir});
  CHECK_THROWS_WITH(registry.loadFile(file("missing-hook")), Catch::Contains("lacks required hook filter.on_request"));
}

TEST_CASE("a failed init carries the plugin's own message") {
  PluginRegistry registry({kDir});
  CHECK_THROWS_WITH(registry.loadFile(file("init-fails")),
                    Catch::Contains("initialization failed: license file /etc/fixture.lic is missing"));
}

TEST_CASE("two files declaring one plugin name are refused, naming both") {
  PluginRegistry registry({kDir});
  registry.loadFile(file("duplicate-one"));
  CHECK_THROWS_WITH(registry.loadFile(file("duplicate-two")),
                    Catch::Contains("duplicate plugin name 'duplicate'") && Catch::Contains("libmoat-duplicate-one.so") &&
                        Catch::Contains("libmoat-duplicate-two.so"));
}

TEST_CASE("a scan lists good plugins and the error of each bad one") {
  PluginRegistry registry({kDir});
  auto entries = registry.scan();
  int good = 0, bad = 0;
  for (const auto& e : entries) (e.plugin ? good : bad)++;
  CHECK(good >= 2);  // c-stage, throwing, duplicate-one
  CHECK(bad >= 5);   // garbage, not-a-plugin, wrong-major, missing-hook, init-fails, duplicate-two
}
