// A client request a stdio server is still answering, and how the bridges hand it back: every
// message the server sends while it is open goes on the POST's SSE stream as it arrives, then
// the response; a client that accepts only JSON gets the response alone.
#pragma once


#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "server/Exchange.h"
#include "net/HeaderList.h"

namespace moat::gateway {

struct PendingRequest {
  std::deque<std::string> messages;  // for the client, in order; the response comes last
  bool done = false;                 // the response (or an error standing for it) is in messages
};

// How answerPending watches the conversation the request belongs to. The functions are called
// with `mutex` held.
struct ConversationWatch {
  std::mutex& mutex;
  std::condition_variable& changed;
  std::function<bool()> ended;               // the conversation is over; the request cannot finish
  std::function<std::string()> endReason;
  std::function<void(std::deque<std::string>&)> toGetStream;  // messages a JSON-only client cannot take now
};

// Answers `exchange` from `request` (see above). Fails it with a JSON-RPC error carrying idJson
// when the conversation ends first, the gateway stops, or — JSON only — timeoutMs passes.
// `forget` (called without the mutex) withdraws the request when giving up.
void answerPending(Exchange& exchange, PendingRequest& request, const ConversationWatch& watch,
                   net::HeaderList headers, const std::string& idJson, int timeoutMs,
                   const std::function<void()>& forget, const std::string& serverName);

bool acceptsEventStream(const Exchange& exchange);

}  // namespace moat::gateway
