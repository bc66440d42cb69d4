#include "container/StreamDemux.h"

#include <algorithm>
#include <stdexcept>

namespace moat::container {

void StreamDemux::feed(const char* data, size_t size) {
  while (size > 0) {
    if (payloadLeft_ == 0) {
      size_t take = std::min(size, sizeof header_ - headerHave_);
      std::copy(data, data + take, header_ + headerHave_);
      headerHave_ += take;
      data += take;
      size -= take;
      if (headerHave_ < sizeof header_) return;
      headerHave_ = 0;
      if (header_[0] > 2 || header_[1] || header_[2] || header_[3])
        throw std::runtime_error("the container stream is not in the multiplexed format (unexpected frame header)");
      current_ = static_cast<StreamKind>(header_[0]);
      payloadLeft_ = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) | (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
      continue;
    }
    size_t take = std::min<size_t>(size, payloadLeft_);
    sink_(current_, data, take);
    payloadLeft_ -= static_cast<uint32_t>(take);
    data += take;
    size -= take;
  }
}

}  // namespace moat::container
