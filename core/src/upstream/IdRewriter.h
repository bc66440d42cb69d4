// The ids a shared stdio process sees. Every session numbers its requests from 1, so each request
// reaches the process under an id of the bridge's ("moat-N") and its answer goes back under the
// client's; progress tokens and the ids of the server's own requests (sampling, elicitation,
// roots) are rewritten the same way. Not thread-safe: the bridge calls it with its lock held.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moat/json.hpp"
#include "upstream/PendingRequest.h"
#include "upstream/SharedSessions.h"

namespace moat::gateway {

class IdRewriter {
 public:
  // Who waits for the answer to a request in the process.
  struct Waiter {
    std::shared_ptr<PendingRequest> request;  // null for the bridge's own requests, answered into the void
    std::shared_ptr<SharedSession> session;   // null for the bridge's own initialize
    std::string clientIdJson;
    std::string statelessMethod;  // set for a 2026-07-28 request: its result gets that revision's fields
  };

  // A fresh id, as JSON: "\"<prefix>N\"".
  std::string newId(const char* prefix);

  // Sends `message` (a client's request) under a fresh id of ours, its progress token rewritten
  // too; returns our id.
  std::string track(json::Value& message, Waiter waiter);
  // Waits under an id the bridge chose.
  void expect(const std::string& idJson, Waiter waiter);
  // The waiter for an answer, forgotten with its progress token; nullopt when nobody waits.
  std::optional<Waiter> answered(const std::string& idJson);
  // Forgets a request given up on, when it still belongs to `request`.
  void forget(const std::string& idJson, const std::shared_ptr<PendingRequest>& request);
  // Our id of the client's request `clientIdJson` in `session`, for its cancellation; "" when none.
  std::string idFor(const std::shared_ptr<SharedSession>& session, const std::string& clientIdJson) const;

  // A progress notification's request, its token put back as the client gave it; null when that
  // request is over.
  std::shared_ptr<PendingRequest> progress(json::Value& params);

  // A request from the server goes to a client under an id of ours; returns it (JSON).
  std::string trackServerRequest(json::Value& message);
  void dropServerRequest(const std::string& oursJson) { serverRequests_.erase(oursJson); }
  // The client's answer to a server request, its id put back as the server gave it; false when
  // that request is no longer open.
  bool restoreServerRequest(json::Value& answer);

  // The process ended: every waiter, and nothing is remembered any more.
  std::vector<Waiter> takeAll();

 private:
  struct Tracked {
    Waiter waiter;
    std::string progressToken;  // ours, to forget with the request
  };
  struct Progress {
    std::shared_ptr<PendingRequest> request;
    std::string clientTokenJson;
  };

  uint64_t counter_ = 0;
  std::map<std::string, Tracked> pending_;             // our request id (JSON) → who waits
  std::map<std::string, Progress> progress_;           // our progress token (JSON) → its request
  std::map<std::string, std::string> serverRequests_;  // our id for a server request → the server's id
};

}  // namespace moat::gateway
