#include "gateway/SessionStream.h"

#include <random>

#include "gateway/JsonRpcError.h"
#include "gateway/Shutdown.h"
#include "gateway/SseParser.h"
#include "gateway/StreamPump.h"
#include "moat/json.hpp"

namespace moat::gateway {

void serveGetStream(Exchange& exchange, ServerMessageQueue& queue, const std::string& sessionId, const SseEvent* firstEvent) {
  {
    std::lock_guard<std::mutex> lock(queue.mutex);
    if (queue.getStreamOpen) {
      exchange.sendError(409, rpc::kInvalidRequest, "this session already has an open GET stream");
      return;
    }
    queue.getStreamOpen = true;
  }
  Poco::Net::NameValueCollection headers;
  headers.set("Content-Type", "text/event-stream");
  headers.set("Cache-Control", "no-cache");
  headers.set("Mcp-Session-Id", sessionId);
  std::ostream* out = exchange.beginResponse(200, headers, -1);
  if (out && firstEvent) {
    *out << formatSseEvent(firstEvent->event, firstEvent->data);
    out->flush();
  }
  Poco::Net::StreamSocket* client = exchange.clientSocket();
  while (out && *out) {
    std::deque<std::string> batch;
    {
      std::unique_lock<std::mutex> lock(queue.mutex);
      queue.changed.wait_for(lock, std::chrono::milliseconds(200), [&] { return queue.closed || !queue.outbound.empty(); });
      if (queue.closed || shutdown::requested()) break;
      batch.swap(queue.outbound);
    }
    for (const auto& message : batch) *out << formatSseEvent("message", message);
    out->flush();
    if (client && batch.empty() && clientHasGone(*client)) break;
  }
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
    exchange.sendError(400, rpc::kInvalidRequest, std::string("batches are not supported by a ") + transportName + " upstream");
    return std::nullopt;
  }
  ClientMessage out;
  out.isRequest = message.find("method") && message.find("id");
  out.opensSession = message.stringOr("method", "") == "initialize" && !exchange.ctx.upstreamHeaders.has("Mcp-Session-Id");
  out.idJson = rpcIdJson(message);
  return out;
}

std::string newSessionId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t i = 0; i < id.size(); i += 16) {
    uint64_t bits = random();
    for (size_t j = i; j < i + 16; ++j) {
      id[j] = hex[bits & 0xF];
      bits >>= 4;
    }
  }
  return id;
}

}  // namespace moat::gateway
