// Copies an upstream response body to the client as it arrives: every read is written and
// flushed at once, so an SSE event reaches the client when the upstream sends it.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <istream>
#include <ostream>

#include "upstream/UpstreamSession.h"

namespace moat::gateway {

enum class PumpEnd { UpstreamFinished, UpstreamFailed, ClientGone, Shutdown };

const char* pumpEndName(PumpEnd end);

// Sleeps in one poll(2) on the upstream socket, the client's hang-up (when its socket is given)
// and the shutdown descriptor, so an idle stream costs nothing until one of them moves.
// `streaming` is false for a body of known length, which is read straight through.
PumpEnd pumpBody(std::istream& from, UpstreamSession& upstream, std::ostream& to, Poco::Net::StreamSocket* client,
                 bool streaming);

}  // namespace moat::gateway
