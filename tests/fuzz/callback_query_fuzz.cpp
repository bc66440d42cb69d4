// The query of the browser's redirect to the remote-auth callback (code, state, error): decoded
// without a crash, and what form-encoding writes decodes back to the same parameters.
#include <cstdint>
#include <string>

#include "FuzzCheck.h"
#include "crypto/PercentEncoding.h"
#include "CallbackServer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string query(reinterpret_cast<const char*>(data), size);
  moat::remoteauth::QueryParameters parameters = moat::remoteauth::parseQuery(query);
  std::string written;
  for (const auto& [name, value] : parameters) {
    if (name.empty()) continue;
    written += (written.empty() ? "" : "&") + moat::crypto::formUrlEncode(name) + "=" + moat::crypto::formUrlEncode(value);
  }
  moat::remoteauth::QueryParameters back = moat::remoteauth::parseQuery(written);
  for (const auto& [name, value] : back) {
    auto it = parameters.find(name);
    FUZZ_CHECK(it != parameters.end() && it->second == value, "encoding then decoding gives the parameters back");
  }
  return 0;
}
