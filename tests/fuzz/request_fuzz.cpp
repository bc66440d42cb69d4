// HTTP/1.1 request heads and bodies exactly as the gateway frames them: the bytes arrive on a
// real socket, then requests are read one after another (pipelined) through BufferedSocket,
// ClientRequest's head parser and smuggling checks, and the body reader (length or chunked),
// until the input ends or a request is refused.
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "FuzzCheck.h"
#include "server/ClientRequest.h"
#include "server/ClientResponse.h"

namespace {

constexpr size_t kBodyLimit = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) != 0) return 0;
  int buffer = 1 << 20;
  ::setsockopt(ends[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  ::setsockopt(ends[1], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  for (size_t sent = 0; sent < size;) {
    ssize_t n = ::send(ends[0], data + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;  // more than the socket holds: the rest is not this run's concern
    sent += static_cast<size_t>(n);
  }
  ::shutdown(ends[0], SHUT_WR);

  Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(ends[1]));
  socket.setReceiveTimeout(Poco::Timespan(1, 0));
  moat::net::BufferedSocket wire(socket);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  moat::gateway::ClientEndpoints endpoints;
  for (int request = 0; request < 64; ++request) {
    moat::gateway::ClientResponse response(wire);
    moat::gateway::ClientRequest parsed(wire, response, *params, endpoints);
    try {
      if (!parsed.readHead()) break;
    } catch (const moat::gateway::RequestRefused& refused) {
      FUZZ_CHECK(refused.status >= 400 && refused.status < 600, "a refusal is a 4xx or 5xx");
      break;
    } catch (const Poco::Exception&) {
      break;
    }
    // A request the gateway accepts has exactly one framing and one Host.
    FUZZ_CHECK(!(parsed.has("Content-Length") && parsed.has("Transfer-Encoding")), "one framing");
    std::string body;
    char chunk[4096];
    std::istream& in = parsed.stream();
    while (in && body.size() <= kBodyLimit) {
      in.read(chunk, sizeof chunk);
      body.append(chunk, static_cast<size_t>(in.gcount()));
    }
    if (!parsed.bodyComplete()) break;
    if (parsed.hasContentLength()) FUZZ_CHECK(body.size() == static_cast<size_t>(parsed.getContentLength64()), "a length-framed body has its length");
  }
  ::close(ends[0]);
  return 0;
}
