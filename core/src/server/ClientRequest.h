// A client's request as the gateway reads it: the head parsed on strings from the connection's
// buffer, checked the way a proxy must (RFC 9112: one framing, one Host, no folded lines), and
// a body stream that reads straight from that buffer.
#pragma once

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/SocketAddress.h>

#include <optional>
#include <string>

#include "net/BodyReader.h"
#include "server/ClientResponse.h"
#include "net/BufferedSocket.h"

namespace moat::gateway {

// The largest request head the gateway reads; a longer one is refused with 431.
constexpr size_t kRequestHeadLimit = 64 * 1024;

// A request the gateway answers itself, with this status and a one-line reason, then closes.
struct RequestRefused {
  Poco::Net::HTTPResponse::HTTPStatus status;
  std::string reason;
};

struct ClientEndpoints {
  Poco::Net::SocketAddress client;
  Poco::Net::SocketAddress server;
};

class ClientRequest : public Poco::Net::HTTPServerRequest {
 public:
  ClientRequest(net::BufferedSocket& wire, ClientResponse& response, const Poco::Net::HTTPServerParams& params, const ClientEndpoints& endpoints)
      : wire_(wire), response_(response), params_(params), endpoints_(endpoints) {}

  // Reads the head. False when the client closed the connection before sending a byte.
  // Throws RequestRefused for a head the gateway will not serve, POCO's socket exceptions when
  // the connection fails or times out.
  bool readHead();
  // True once the body has been read to its end (always for a request without a body).
  bool bodyComplete() const { return body_ && body_->body().complete(); }
  // True when reading the body failed because listen.request_body_timeout passed.
  bool bodyTimedOut() const { return wire_.deadlinePassed(); }
  Poco::Net::StreamSocket& socket() { return wire_.socket(); }

  std::istream& stream() override { return *body_; }
  const Poco::Net::SocketAddress& clientAddress() const override { return endpoints_.client; }
  const Poco::Net::SocketAddress& serverAddress() const override { return endpoints_.server; }
  const Poco::Net::HTTPServerParams& serverParams() const override { return params_; }
  Poco::Net::HTTPServerResponse& response() const override { return response_; }
  bool secure() const override { return wire_.socket().secure(); }

 private:
  void parseHead(std::string_view head);
  void chooseFraming();

  net::BufferedSocket& wire_;
  ClientResponse& response_;
  const Poco::Net::HTTPServerParams& params_;
  const ClientEndpoints& endpoints_;
  std::optional<net::BodyStream> body_;
};

}  // namespace moat::gateway
