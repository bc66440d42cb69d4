#include "cli/AllocatorTuning.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace moat::cli {
namespace {

constexpr const char* kMarker = "MOAT_ALLOCATOR_TUNED";

bool keepsRunning(const char* command) {
  for (const char* name : {"serve", "proxy", "run", "tunnel"})
    if (std::strcmp(command, name) == 0) return true;
  return false;
}

}  // namespace

void tuneAllocator(char** argv) {
#if defined(__GLIBC__)
  if (std::getenv(kMarker)) {
    ::unsetenv("GLIBC_TUNABLES");
    ::unsetenv(kMarker);
    return;
  }
  if (!argv[0] || !argv[1] || !keepsRunning(argv[1]) || std::getenv("GLIBC_TUNABLES")) return;
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
  ::setenv(kMarker, "1", 1);
  ::execv("/proc/self/exe", argv);
  // Could not start again (no /proc): run as we are.
  ::unsetenv("GLIBC_TUNABLES");
  ::unsetenv(kMarker);
#else
  (void)argv;
#endif
}

}  // namespace moat::cli
