// `npx://PACKAGE` without a registry for images: the package is installed on this machine with
// its npm, and an image is assembled from scratch with it, the machine's node binary and the
// shared libraries node links against, then imported into the engine. The image is named after
// the package and a digest of its spec and the node binary, so the next run reuses it.
#pragma once

#include <string>
#include <vector>

#include "container/EngineClient.h"
#include "moat/plugin.hpp"

namespace moat::container {

struct NpxPackage {
  std::string spec;  // as given: "@scope/name@1.2.3", "name", "name@latest"
  std::string name;  // "@scope/name"
};

// Throws std::runtime_error for anything that is not an npm package name (with an optional
// version), so nothing else reaches npm's command line.
NpxPackage parseNpxPackage(const std::string& spec);

struct BuiltImage {
  std::string reference;                // moat-npx/scope-name:digest
  std::vector<std::string> entrypoint;  // node and the package's bin script
  bool reused = false;
};

// `node` is the binary to put in the image (a path, or a name looked up in PATH).
BuiltImage ensureNpxImage(const EngineClient& engine, const Host& host, const NpxPackage& package, const std::string& node);

// "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" lines of ldd to the paths they name.
std::vector<std::string> sharedLibraryPaths(const std::string& lddOutput);

}  // namespace moat::container
