#include "gateway/StreamPump.h"

#include <Poco/Exception.h>

#include <algorithm>

#include "gateway/Shutdown.h"

namespace moat::gateway {
namespace {

constexpr long kPollSliceMicros = 200'000;

}  // namespace

bool clientHasGone(Poco::Net::StreamSocket& client) {
  try {
    if (!client.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) return false;
    char probe;
    return client.receiveBytes(&probe, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
  } catch (const Poco::Exception&) {
    return true;
  }
}

const char* pumpEndName(PumpEnd end) {
  switch (end) {
    case PumpEnd::UpstreamFinished: return "upstream finished";
    case PumpEnd::UpstreamFailed: return "upstream failed";
    case PumpEnd::ClientGone: return "client went away";
    case PumpEnd::Shutdown: return "gateway shutting down";
  }
  return "unknown";
}

PumpEnd pumpBody(std::istream& from, UpstreamSession& upstream, std::ostream& to, Poco::Net::StreamSocket* client,
                 bool streaming) {
  // POCO hands out at most its own buffer's worth per read; a bigger stack buffer would only
  // add resident memory to every thread holding a stream.
  char buffer[4096];
  std::streambuf* source = from.rdbuf();
  try {
    for (;;) {
      if (streaming && source->in_avail() <= 0 && upstream.bufferedBytes() == 0) {
        while (!upstream.http().socket().poll(Poco::Timespan(0, kPollSliceMicros), Poco::Net::Socket::SELECT_READ)) {
          if (shutdown::requested()) return PumpEnd::Shutdown;
          if (client && clientHasGone(*client)) return PumpEnd::ClientGone;
        }
      }
      if (source->sgetc() == std::char_traits<char>::eof()) return from.bad() ? PumpEnd::UpstreamFailed : PumpEnd::UpstreamFinished;
      std::streamsize ready = std::max<std::streamsize>(1, source->in_avail());
      std::streamsize n = source->sgetn(buffer, std::min<std::streamsize>(ready, sizeof buffer));
      to.write(buffer, n);
      to.flush();
      if (!to) return PumpEnd::ClientGone;
    }
  } catch (const Poco::Exception&) {
    return PumpEnd::UpstreamFailed;
  } catch (const std::ios_base::failure&) {
    return PumpEnd::UpstreamFailed;
  }
}

}  // namespace moat::gateway
