#include "upstream/PendingRequest.h"

#include <chrono>

#include "moat/jsonrpc.hpp"
#include "server/Shutdown.h"
#include "net/SseParser.h"
#include "log/Log.h"
#include "net/SocketWait.h"

namespace moat::gateway {

bool acceptsEventStream(const Exchange& exchange) {
  return exchange.request.has("Accept") && exchange.request.get("Accept").find("text/event-stream") != std::string::npos;
}

void answerPending(Exchange& exchange, PendingRequest& request, const ConversationWatch& watch,
                   net::HeaderList headers, const std::string& idJson, int timeoutMs,
                   const std::function<void()>& forget, const std::string& serverName) {
  const bool stream = acceptsEventStream(exchange);
  std::ostream* out = nullptr;
  if (stream) {
    headers.set("Content-Type", "text/event-stream");
    headers.set("Cache-Control", "no-cache");
    out = exchange.beginResponse(200, headers, -1);
    if (!out) {
      forget();
      return;
    }
  }
  Poco::Net::StreamSocket* client = exchange.clientSocket();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  std::string response;
  for (;;) {
    std::deque<std::string> batch;
    bool finished = false, ended = false;
    std::string reason;
    {
      std::unique_lock<std::mutex> lock(watch.mutex);
      watch.changed.wait_for(lock, std::chrono::milliseconds(200),
                             [&] { return !request.messages.empty() || request.done || watch.ended(); });
      batch.swap(request.messages);
      finished = request.done;
      ended = !finished && watch.ended();
      if (ended) reason = watch.endReason();
      if (finished && !batch.empty()) {
        response = batch.back();  // the response is always the last message of a finished request
        batch.pop_back();
      }
      if (!stream && !batch.empty()) watch.toGetStream(batch);
    }
    if (stream) {
      for (const auto& m : batch) *out << formatSseEvent("message", m);
      if (!response.empty()) *out << formatSseEvent("message", response);
      out->flush();
      if (!*out) {
        if (!finished) forget();
        return;
      }
    }
    if (finished) break;
    std::string failure;
    if (ended) failure = "the server ended before answering: " + reason;
    else if (shutdown::requested()) failure = "the gateway is shutting down";
    else if (!stream && std::chrono::steady_clock::now() > deadline)
      failure = "the server did not answer within " + std::to_string(timeoutMs) + " ms";
    if (!failure.empty()) {
      forget();
      if (stream) {
        *out << formatSseEvent("message", jsonrpc::errorBody(idJson, jsonrpc::kUpstreamUnreachable, failure));
        out->flush();
        log::warn("stdio", "request failed", {{"server", serverName}, {"reason", failure}});
      } else {
        exchange.sendError(ended ? 502 : 504, ended ? jsonrpc::kUpstreamUnreachable : jsonrpc::kUpstreamTimeout, failure);
      }
      return;
    }
    if (stream && client && net::peerClosed(*client)) {
      forget();
      return;
    }
  }
  if (!stream) {
    headers.set("Content-Type", "application/json");
    if (std::ostream* json = exchange.beginResponse(200, headers, static_cast<long long>(response.size()))) *json << response;
  }
}

}  // namespace moat::gateway
