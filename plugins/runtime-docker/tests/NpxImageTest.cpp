#include <catch2/catch.hpp>

#include "container/NpxImage.h"

using namespace moat::container;

TEST_CASE("npm package specs") {
  CHECK(parseNpxPackage("@modelcontextprotocol/server-everything").name == "@modelcontextprotocol/server-everything");
  auto pinned = parseNpxPackage("@modelcontextprotocol/server-everything@2026.8.31");
  CHECK(pinned.name == "@modelcontextprotocol/server-everything");
  CHECK(pinned.spec == "@modelcontextprotocol/server-everything@2026.8.31");
  CHECK(parseNpxPackage("left-pad@^1.3.0").name == "left-pad");
  for (const char* bad : {"", "--registry=http://evil", "@scope", "@/x", "a/b", "x@", "x@1;rm", "../x", "x y"})
    CHECK_THROWS(parseNpxPackage(bad));
}

TEST_CASE("the libraries ldd names") {
  std::string ldd =
      "\tlinux-vdso.so.1 (0x00007ffd)\n"
      "\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f28)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f28)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f28)\n";
  CHECK(sharedLibraryPaths(ldd) ==
        std::vector<std::string>{"/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"});
}

#include "container/EgressForwarder.h"

TEST_CASE("egress rules are host names with a port") {
  auto rule = parseEgressRule("api.github.com:443");
  CHECK(rule.host == "api.github.com");
  CHECK(rule.port == 443);
  CHECK_THROWS_WITH(parseEgressRule("10.0.0.1:5432"), Catch::Contains("give a host name"));
  for (const char* bad : {"api.github.com", ":443", "api.github.com:0", "api.github.com:65536", "api.github.com:44x", "a b:1", "x;y:1"})
    CHECK_THROWS_WITH(parseEgressRule(bad), Catch::Contains("isolation.egress"));
}

#include "container/HostFence.h"

TEST_CASE("the fence drops everything from the bridge but replies and the egress listeners") {
  auto rules = fenceRules("moat0123456789", "moat0123456789", "172.21.0.1", {{443, 40001}});
  REQUIRE(rules.size() == 4);
  auto joined = [](const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
  };
  CHECK(joined(rules[0]) ==
        "-t nat PREROUTING -i moat0123456789 -d 172.21.0.1/32 -p tcp -m tcp --dport 443 -m comment --comment moat0123456789 -j DNAT --to-destination 172.21.0.1:40001");
  CHECK(joined(rules[1]) == "-t filter INPUT -i moat0123456789 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment moat0123456789 -j ACCEPT");
  CHECK(joined(rules[2]) == "-t filter INPUT -i moat0123456789 -d 172.21.0.1/32 -p tcp -m tcp --dport 40001 -m comment --comment moat0123456789 -j ACCEPT");
  CHECK(joined(rules[3]) == "-t filter INPUT -i moat0123456789 -m comment --comment moat0123456789 -j DROP");
}
