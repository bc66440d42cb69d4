#include <catch2/catch.hpp>

#include "NpxImage.h"

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
