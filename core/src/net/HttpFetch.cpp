#include "net/HttpFetch.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>
#include <stdexcept>

namespace moat::net {
namespace {


// POCO writes a request's head and body in two writes; without TCP_NODELAY the body can wait
// for the peer's delayed ACK of the head (40 ms on Linux), which showed as 40-50 ms tails on
// token exchanges.
template <class Base>
class NoDelaySession : public Base {
 public:
  using Base::Base;

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    Base::connect(address);
    this->socket().setNoDelay(true);
  }
};

}  // namespace

Poco::Net::Context::Ptr clientTlsContext() {
  static Poco::Net::Context::Ptr context = [] {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.loadDefaultCAs = true;
    return Poco::Net::Context::Ptr(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
  }();
  return context;
}

FetchResponse fetch(const FetchRequest& request) {
  Poco::URI uri;
  try {
    uri = Poco::URI(request.url);
  } catch (const Poco::Exception&) {
    throw std::runtime_error("invalid URL");
  }
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https")
    session = std::make_unique<NoDelaySession<Poco::Net::HTTPSClientSession>>(uri.getHost(), uri.getPort(), clientTlsContext());
  else if (uri.getScheme() == "http")
    session = std::make_unique<NoDelaySession<Poco::Net::HTTPClientSession>>(uri.getHost(), uri.getPort());
  else throw std::runtime_error("unsupported URL scheme '" + uri.getScheme() + "'");

  Poco::Timespan timeout(static_cast<long>(request.timeoutMs / 1000), static_cast<long>(request.timeoutMs % 1000) * 1000);
  session->setTimeout(timeout);
  // The path and query as the caller wrote them: Poco's URI decodes the path, which would turn
  // an escaped '/' (%2F, as in a registry's server names) into a separator.
  std::string target;
  if (size_t authority = request.url.find("://"); authority != std::string::npos) {
    size_t start = request.url.find_first_of("/?#", authority + 3);
    if (start != std::string::npos) target = request.url.substr(start, request.url.find('#', start) - start);
    if (!target.empty() && target[0] == '?') target.insert(0, "/");
  }
  Poco::Net::HTTPRequest out(request.method, target.empty() ? "/" : target, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : request.headers) out.set(name, value);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") out.setContentLength(static_cast<std::streamsize>(request.body.size()));
  try {
    session->sendRequest(out) << request.body;
    Poco::Net::HTTPResponse in;
    std::istream& body = session->receiveResponse(in);
    FetchResponse response;
    response.status = in.getStatus();
    for (const auto& [name, value] : in) response.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(body, response.body);
    return response;
  } catch (const Poco::TimeoutException&) {
    throw std::runtime_error("timed out after " + std::to_string(request.timeoutMs) + " ms calling " + uri.getHost());
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("request to " + uri.getHost() + " failed: " + e.displayText());
  }
}

}  // namespace moat::net
