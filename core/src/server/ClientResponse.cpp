#include "server/ClientResponse.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include <cstdio>

#include "net/HttpHead.h"

namespace moat::gateway {
namespace {

// A body written without a flush still leaves once this much is pending.
constexpr size_t kFlushAt = 16 * 1024;

}  // namespace

bool ClientBodyWriter::flushPending() {
  if (failed_ || pending_.empty()) return !failed_;
  if (watch_ && framing_ != Framing::Discard && pending_.size() > seenUpTo_) watch_->see(std::string_view(pending_).substr(seenUpTo_));
  seenUpTo_ = 0;
  try {
    switch (framing_) {
      case Framing::Discard: break;
      case Framing::Length: {
        // Bytes beyond the announced length would be read as the next response: dropped.
        size_t n = static_cast<size_t>(std::min<uint64_t>(pending_.size(), left_));
        wire_.send(std::string_view(pending_).substr(0, n));
        left_ -= n;
        break;
      }
      case Framing::Chunked: {
        char size[20];
        int digits = std::snprintf(size, sizeof size, "%zx\r\n", pending_.size());
        pending_.insert(0, size, static_cast<size_t>(digits));
        pending_.append("\r\n");
        wire_.send(pending_);
        break;
      }
      case Framing::UntilClose: wire_.send(pending_); break;
    }
  } catch (const Poco::Exception&) {
    failed_ = true;
  }
  // Freed, not kept: a stream may now wait for hours.
  std::string().swap(pending_);
  return !failed_;
}

ClientBodyWriter::int_type ClientBodyWriter::overflow(int_type c) {
  if (failed_) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) pending_.push_back(traits_type::to_char_type(c));
  if (pending_.size() >= kFlushAt && !flushPending()) return traits_type::eof();
  return traits_type::not_eof(c);
}

std::streamsize ClientBodyWriter::xsputn(const char* data, std::streamsize n) {
  if (failed_) return 0;
  pending_.append(data, static_cast<size_t>(n));
  if (pending_.size() >= kFlushAt && !flushPending()) return 0;
  return n;
}

int ClientBodyWriter::sync() { return flushPending() ? 0 : -1; }

bool ClientBodyWriter::finish() {
  if (!flushPending()) return false;
  switch (framing_) {
    case Framing::Discard: return true;
    case Framing::Length: return left_ == 0;
    case Framing::UntilClose: return false;
    case Framing::Chunked:
      try {
        wire_.send("0\r\n\r\n");
        return true;
      } catch (const Poco::Exception&) {
        failed_ = true;
        return false;
      }
  }
  return false;
}

bool ClientResponse::bodyForbidden() const {
  HTTPStatus status = getStatus();
  return headRequest_ || status < 200 || status == HTTP_NO_CONTENT || status == HTTP_NOT_MODIFIED;
}

void ClientResponse::stopWatching() {
  if (writer_) writer_->rewatch(nullptr);
  watch_ = nullptr;
}

bool ClientResponse::finish() {
  if (!writer_) return sent_;
  return writer_->finish();
}

void ClientResponse::sendContinue() { wire_.send(getVersion() + " 100 Continue\r\n\r\n"); }

std::ostream& ClientResponse::send() {
  poco_assert(!sent_);
  ClientBodyWriter::Framing framing = ClientBodyWriter::Framing::UntilClose;
  uint64_t length = 0;
  if (bodyForbidden()) {
    framing = ClientBodyWriter::Framing::Discard;
  } else if (getChunkedTransferEncoding() && getVersion() == HTTP_1_1) {
    framing = ClientBodyWriter::Framing::Chunked;
  } else if (hasContentLength()) {
    framing = ClientBodyWriter::Framing::Length;
    length = static_cast<uint64_t>(getContentLength64());
  } else {
    // An HTTP/1.0 client cannot read chunks: the body ends with the connection instead.
    setChunkedTransferEncoding(false);
    setKeepAlive(false);
  }
  wire_.send(net::formatResponseHead(*this, extraFields_));
  sent_ = true;
  writer_ = std::make_unique<ClientBodyWriter>(wire_, framing, length, watch_);
  stream_ = std::make_unique<std::ostream>(writer_.get());
  return *stream_;
}

void ClientResponse::sendBuffer(const void* buffer, std::size_t length) {
  poco_assert(!sent_);
  setChunkedTransferEncoding(false);
  if (getStatus() >= 200 && getStatus() != HTTP_NO_CONTENT && getStatus() != HTTP_NOT_MODIFIED) setContentLength64(static_cast<Poco::Int64>(length));
  std::string message = net::formatResponseHead(*this, extraFields_);
  if (!bodyForbidden()) {
    message.append(static_cast<const char*>(buffer), length);
    if (watch_) watch_->see(std::string_view(static_cast<const char*>(buffer), length));
  }
  wire_.send(message);
  sent_ = true;
}

void ClientResponse::sendFile(const std::string& path, const std::string& mediaType) {
  poco_assert(!sent_);
  Poco::File file(path);
  Poco::FileInputStream in(path);  // throws when the file cannot be opened
  setContentLength64(static_cast<Poco::Int64>(file.getSize()));
  setContentType(mediaType);
  setChunkedTransferEncoding(false);
  Poco::StreamCopier::copyStream(in, send());
  stream_->flush();
}

void ClientResponse::redirect(const std::string& uri, HTTPStatus status) {
  poco_assert(!sent_);
  setContentLength(0);
  setChunkedTransferEncoding(false);
  setStatusAndReason(status);
  set("Location", uri);
  send();
}

void ClientResponse::requireAuthentication(const std::string& realm) {
  poco_assert(!sent_);
  setStatusAndReason(HTTP_UNAUTHORIZED);
  set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
  setContentLength(0);
  setChunkedTransferEncoding(false);
  send();
}

}  // namespace moat::gateway
