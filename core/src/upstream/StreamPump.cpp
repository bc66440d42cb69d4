#include "upstream/StreamPump.h"

#include <Poco/Exception.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "server/IdleStack.h"
#include "server/Shutdown.h"

namespace moat::gateway {
namespace {

enum class Wake { UpstreamReadable, ClientGone, Shutdown, Quiet };

// A stream silent this long is taken to be idle: its thread's stack is trimmed then, so answers
// that arrive promptly (most SSE answers to a POST) never pay for it.
constexpr int kIdleAfterMs = 1000;

// Sleeps until the upstream has bytes (or closed), the client hung up, the gateway stops, or
// timeoutMs passed (-1: no limit):
// an idle stream costs no wakeups at all. The client is watched for a hang-up only (POLLRDHUP),
// so bytes it sends meanwhile do not turn this into a spin.
Wake waitForUpstream(UpstreamSession& upstream, Poco::Net::StreamSocket* client, int timeoutMs) {
  Poco::Net::StreamSocket& socket = upstream.http().socket();
  // A TLS upstream may hold a decrypted record that poll(2) on the descriptor cannot see.
  if (socket.secure() && socket.impl()->available() > 0) return Wake::UpstreamReadable;
  pollfd watched[3] = {{socket.impl()->sockfd(), POLLIN, 0},
                       {shutdown::wakeFd(), POLLIN, 0},
                       {client ? client->impl()->sockfd() : -1, POLLRDHUP, 0}};
  for (;;) {
    int ready = ::poll(watched, 3, timeoutMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Wake::UpstreamReadable;  // the read that follows reports the failure
    }
    if (ready == 0) return Wake::Quiet;
    if (watched[1].revents) return Wake::Shutdown;
    if (watched[2].revents & (POLLRDHUP | POLLHUP | POLLERR)) return Wake::ClientGone;
    if (watched[0].revents) return Wake::UpstreamReadable;
  }
}

}  // namespace

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
  // The body reader hands out what one socket read brought. The copy buffer lives on the heap
  // and is given back before a long wait: on the stack its page would stay resident in every
  // thread holding an idle stream.
  constexpr std::streamsize kCopyBytes = 4096;
  std::unique_ptr<char[]> buffer;
  std::streambuf* source = from.rdbuf();
  bool stackReleased = false;
  try {
    for (;;) {
      if (streaming && source->in_avail() <= 0 && upstream.bufferedBytes() == 0) {
        Wake wake = waitForUpstream(upstream, client, stackReleased ? -1 : kIdleAfterMs);
        if (wake == Wake::Quiet) {
          buffer.reset();
          releaseStackBelowCaller();  // once: the stream may now idle for hours
          stackReleased = true;
          wake = waitForUpstream(upstream, client, -1);
        }
        switch (wake) {
          case Wake::Shutdown: return PumpEnd::Shutdown;
          case Wake::ClientGone: return PumpEnd::ClientGone;
          case Wake::UpstreamReadable:
          case Wake::Quiet: break;
        }
      }
      if (source->sgetc() == std::char_traits<char>::eof()) return from.bad() ? PumpEnd::UpstreamFailed : PumpEnd::UpstreamFinished;
      if (!buffer) buffer.reset(new char[kCopyBytes]);
      std::streamsize ready = std::max<std::streamsize>(1, source->in_avail());
      std::streamsize n = source->sgetn(buffer.get(), std::min(ready, kCopyBytes));
      to.write(buffer.get(), n);
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
