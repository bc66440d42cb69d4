// An outbound call as a FakeHost saw it, for the exchangers' tests to assert the wire request.
#pragma once

#include <map>
#include <string>

#include "moat/testing.hpp"

namespace moat::exchange::testing {

struct RecordedCall {
  std::string url, body;
  std::map<std::string, std::string> headers;  // lower-case names

  static RecordedCall of(const moat_http_call& call) {
    RecordedCall c{std::string(fromAbi(call.url)), std::string(fromAbi(call.body)), {}};
    for (size_t i = 0; i < call.header_count; ++i)
      c.headers[moat::testing::lowerCase(fromAbi(call.header_names[i]))] = std::string(fromAbi(call.header_values[i]));
    return c;
  }
};

}  // namespace moat::exchange::testing
