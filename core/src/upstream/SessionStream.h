// What the legacy-SSE and stdio bridges share: a per-session queue of server messages that no
// open request claimed, served to the client on its GET stream, and session ids.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "server/Exchange.h"
#include "net/SseParser.h"

namespace moat::gateway {

struct ServerMessageQueue {
  std::mutex mutex;  // guards every field, and the fields of structs deriving from this one
  std::condition_variable changed;
  std::deque<std::string> outbound;
  bool getStreamOpen = false;
  bool closed = false;
};

// Streams `queue.outbound` to the client as SSE until the session closes, the gateway stops or
// the client goes away. One GET stream per session: a second one gets 409.
// `firstEvent`, when given, is sent before anything queued (the legacy transport's "endpoint").
void serveGetStream(Exchange& exchange, ServerMessageQueue& queue, const std::string& sessionId, const SseEvent* firstEvent = nullptr);

// How a bridge classifies one client POST. nullopt: the body was not a single JSON-RPC message
// and a 400 error has been sent.
struct ClientMessage {
  bool isRequest = false;     // has a method and an id: a reply is owed
  bool opensSession = false;  // initialize without a session id
  std::string idJson = "null";
};
std::optional<ClientMessage> classifyClientMessage(Exchange& exchange, const char* transportName);

// 128 random bits as hex.
std::string newSessionId();

}  // namespace moat::gateway
