// Watches the body of one answer as it leaves: counts its bytes, and notices whether it carries
// a JSON-RPC error object or a tool result marked isError, without parsing or holding it (a
// POST's answer may be a long event stream). A key is recognised only where JSON puts keys: in
// an encoded string its quotes would be escaped. A notification in the same stream that carries
// an "error" object of its own is counted as an error too; that is the price of not parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/ClientResponse.h"

namespace moat::gateway {

class AnswerWatch : public BodyWatch {
 public:
  void see(std::string_view bytes) override;

  uint64_t bytes() const { return bytes_; }
  bool sawError() const { return sawError_; }

 private:
  uint64_t bytes_ = 0;
  bool sawError_ = false;
  std::string tail_;  // the last bytes seen, so a key split between two writes is still found
};

}  // namespace moat::gateway
