#include "upstream/SessionStream.h"

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

#include "server/HangupWatcher.h"
#include "server/IdleStack.h"
#include "moat/jsonrpc.hpp"
#include "server/Shutdown.h"
#include "net/SseParser.h"
#include "upstream/StreamPump.h"
#include "moat/json.hpp"

namespace moat::gateway {

void serveGetStream(Exchange& exchange, ServerMessageQueue& queue, const std::string& sessionId, const SseEvent* firstEvent) {
  {
    std::lock_guard<std::mutex> lock(queue.mutex);
    if (queue.getStreamOpen) {
      exchange.sendError(409, jsonrpc::kInvalidRequest, "this session already has an open GET stream");
      return;
    }
    queue.getStreamOpen = true;
  }
  net::HeaderList headers;
  headers.set("Content-Type", "text/event-stream");
  headers.set("Cache-Control", "no-cache");
  headers.set("Mcp-Session-Id", sessionId);
  std::ostream* out = exchange.beginResponse(200, headers, -1);
  if (out && firstEvent) {
    *out << formatSseEvent(firstEvent->event, firstEvent->data);
    out->flush();
  }
  Poco::Net::StreamSocket* client = exchange.clientSocket();
  bool ended = false;  // the client hung up or the gateway is stopping; guarded by queue.mutex
  uint64_t watch = HangupWatcher::instance().watch(client ? client->impl()->sockfd() : -1, [&queue, &ended] {
    std::lock_guard<std::mutex> lock(queue.mutex);
    ended = true;
    queue.changed.notify_all();
  });
  releaseStackBelowCaller();
  while (out && *out) {
    std::unique_lock<std::mutex> lock(queue.mutex);
    queue.changed.wait(lock, [&] { return queue.closed || ended || shutdown::requested() || !queue.outbound.empty(); });
    if (queue.closed || ended || shutdown::requested()) break;
    // Declared only now: an empty deque still allocates, and this one would sit through every wait.
    std::deque<std::string> batch;
    batch.swap(queue.outbound);
    lock.unlock();
    for (const auto& message : batch) *out << formatSseEvent("message", message);
    out->flush();
  }
  HangupWatcher::instance().unwatch(watch);
  std::lock_guard<std::mutex> lock(queue.mutex);
  queue.getStreamOpen = false;
}

std::optional<ClientMessage> classifyClientMessage(Exchange& exchange, const char* transportName) {
  json::Value message;
  try {
    message = json::parse(exchange.ctx.body);
  } catch (const std::exception& e) {
    exchange.sendError(400, -32700, std::string("parse error: ") + e.what());
    return std::nullopt;
  }
  if (!message.isObject()) {
    exchange.sendError(400, jsonrpc::kInvalidRequest, std::string("batches are not supported by a ") + transportName + " upstream");
    return std::nullopt;
  }
  ClientMessage out;
  out.isRequest = message.find("method") && message.find("id");
  out.opensSession = message.stringOr("method", "") == "initialize" && !exchange.ctx.upstreamHeaders.has("Mcp-Session-Id");
  out.idJson = jsonrpc::idJson(message);
  return out;
}

std::string newSessionId() {
  // From the kernel's CSPRNG: a session id is a bearer of the session, so it must not be
  // predictable from ids seen earlier (a Mersenne Twister's would be).
  unsigned char bits[16];
  size_t filled = 0;
  while (filled < sizeof bits) {
    ssize_t n = ::getrandom(bits + filled, sizeof bits - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("getrandom failed");
    filled += static_cast<size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t i = 0; i < sizeof bits; ++i) {
    id[2 * i] = hex[bits[i] >> 4];
    id[2 * i + 1] = hex[bits[i] & 0xF];
  }
  return id;
}

}  // namespace moat::gateway
