// A property a fuzz target checks on every input: when it does not hold, the run stops with the
// message, like a sanitizer finding, so libFuzzer saves the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, message)                                  \
  do {                                                                  \
    if (!(condition)) {                                                 \
      std::fprintf(stderr, "fuzz property failed: %s (%s)\n", message, #condition); \
      std::abort();                                                     \
    }                                                                   \
  } while (0)
