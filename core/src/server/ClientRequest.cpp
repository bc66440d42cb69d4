#include "server/ClientRequest.h"

#include <Poco/Net/NetException.h>
#include <Poco/String.h>

#include "net/HttpHead.h"

namespace moat::gateway {
namespace {

constexpr size_t kTargetLimit = 16 * 1024;
constexpr size_t kFieldLimit = 100;

using Status = Poco::Net::HTTPResponse::HTTPStatus;

[[noreturn]] void refuse(Status status, std::string reason) { throw RequestRefused{status, std::move(reason)}; }

// The value of `name`; `differ` is set when its fields (or the elements of a list such as
// "5, 5") do not all agree.
std::optional<std::string> singleValue(const Poco::Net::NameValueCollection& fields, const std::string& name, bool& differ) {
  std::optional<std::string> value;
  for (auto it = fields.find(name); it != fields.end() && Poco::icompare(it->first, name) == 0; ++it)
    net::forEachListElement(it->second, [&](std::string_view element) {
      if (!value) value = std::string(element);
      else if (*value != element) differ = true;
    });
  return value;
}

}  // namespace

bool ClientRequest::readHead() {
  size_t length = 0;
  try {
    length = wire_.fillHead(kRequestHeadLimit);
  } catch (const net::BufferedSocket::TooLarge&) {
    refuse(Status::HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "the request head exceeds 64 KiB");
  } catch (const Poco::Net::MessageException&) {
    return false;  // closed inside the head: nobody is left to answer
  }
  if (length == 0) return false;
  parseHead(wire_.unread().substr(0, length));
  wire_.take(length);
  chooseFraming();
  return true;
}

void ClientRequest::parseHead(std::string_view head) {
  bool requestLine = true;
  size_t fields = 0;
  while (!head.empty()) {
    std::string_view line = net::takeHeadLine(head);
    if (line.empty()) break;  // the blank line that ends the head
    try {
      if (requestLine) {
        if (line.size() > kTargetLimit + 32) refuse(Status::HTTP_REQUEST_URI_TOO_LONG, "the request target exceeds 16 KiB");
        net::parseRequestLine(line, *this);
        requestLine = false;
      } else {
        if (++fields > kFieldLimit) refuse(Status::HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "the request has more than 100 header fields");
        net::parseRequestFieldLine(line, *this);
      }
    } catch (const Poco::Net::MessageException& e) {
      refuse(Status::HTTP_BAD_REQUEST, e.message());
    }
  }
}

void ClientRequest::chooseFraming() {
  bool hostsDiffer = false, codingsDiffer = false, lengthsDiffer = false;
  std::optional<std::string> host = singleValue(*this, "Host", hostsDiffer);
  if (hostsDiffer) refuse(Status::HTTP_BAD_REQUEST, "more than one Host header");
  if (!host && getVersion() == HTTP_1_1) refuse(Status::HTTP_BAD_REQUEST, "an HTTP/1.1 request needs a Host header");

  std::optional<std::string> transferCoding = singleValue(*this, "Transfer-Encoding", codingsDiffer);
  std::optional<std::string> length = singleValue(*this, "Content-Length", lengthsDiffer);
  if (transferCoding) {
    // A proxy that frames a body differently from the next hop lets requests be smuggled past it.
    if (length) refuse(Status::HTTP_BAD_REQUEST, "both Transfer-Encoding and Content-Length");
    if (codingsDiffer || Poco::icompare(*transferCoding, "chunked") != 0 || getVersion() != HTTP_1_1)
      refuse(Status::HTTP_NOT_IMPLEMENTED, "only the chunked transfer coding is accepted");
    body_.emplace(wire_, net::BodyBuf::Framing::Chunked, 0);
    return;
  }
  if (length) {
    std::optional<uint64_t> bytes = net::parseContentLength(*length);
    if (lengthsDiffer || !bytes) refuse(Status::HTTP_BAD_REQUEST, "invalid Content-Length");
    body_.emplace(wire_, net::BodyBuf::Framing::Length, *bytes);
    return;
  }
  body_.emplace(wire_, net::BodyBuf::Framing::None, 0);
}

}  // namespace moat::gateway
