// The pipeline YAML: any text either loads or yields errors that each name the file and a key,
// never a crash or an exception out of the loader.
#include <cstdint>
#include <string>

#include "FuzzCheck.h"
#include "config/ConfigLoader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  moat::config::LoadResult result = moat::config::loadText(text, "fuzz.yaml");
  for (const auto& error : result.errors) {
    FUZZ_CHECK(error.where.file == "fuzz.yaml", "an error names the file");
    FUZZ_CHECK(!error.message.empty(), "an error says what is wrong");
  }
  return 0;
}
