// The pieces the shared stdio bridge is made of, each on its own: id rewriting, and the session
// registry with its delivery rules. The bridge as a whole is tested against real servers in
// tests/integration/shared.test.mjs.
#include <catch2/catch.hpp>

#include "upstream/IdRewriter.h"
#include "upstream/SharedSessions.h"

using namespace moat;
using namespace moat::gateway;

namespace {

std::shared_ptr<SharedSession> session(const std::string& id) {
  auto s = std::make_shared<SharedSession>();
  s->id = id;
  return s;
}

}  // namespace

TEST_CASE("two sessions' request 1 reach the process under different ids and are answered as 1") {
  IdRewriter ids;
  auto alice = session("a"), bob = session("b");
  auto aliceRequest = std::make_shared<PendingRequest>(), bobRequest = std::make_shared<PendingRequest>();
  json::Value first = json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  json::Value second = json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  std::string firstId = ids.track(first, {aliceRequest, alice, "1", ""});
  std::string secondId = ids.track(second, {bobRequest, bob, "1", ""});
  CHECK(firstId != secondId);
  CHECK(json::write(*first.find("id")) == firstId);
  CHECK(ids.idFor(bob, "1") == secondId);

  auto answered = ids.answered(secondId);
  REQUIRE(answered);
  CHECK(answered->request == bobRequest);
  CHECK(answered->clientIdJson == "1");
  CHECK_FALSE(ids.answered(secondId));
  CHECK(ids.takeAll().size() == 1);
}

TEST_CASE("progress tokens are rewritten and put back, and forgotten with their request") {
  IdRewriter ids;
  auto request = std::make_shared<PendingRequest>();
  json::Value call = json::parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"_meta":{"progressToken":"mine"}}})");
  std::string ours = ids.track(call, {request, session("a"), "7", ""});
  json::Value token = *call.find("params")->find("_meta")->find("progressToken");
  CHECK(token.asString() != "mine");

  json::Value params = json::Value::makeObject();
  params.mutableMembers()["progressToken"] = token;
  CHECK(ids.progress(params) == request);
  CHECK(params.find("progressToken")->asString() == "mine");

  ids.forget(ours, request);
  params.mutableMembers()["progressToken"] = token;
  CHECK(ids.progress(params) == nullptr);
}

TEST_CASE("a server request goes out under our id and its answer comes back under the server's") {
  IdRewriter ids;
  json::Value sampling = json::parse(R"({"jsonrpc":"2.0","id":3,"method":"sampling/createMessage"})");
  std::string ours = ids.trackServerRequest(sampling);
  CHECK(json::write(*sampling.find("id")) == ours);
  json::Value answer = json::parse("{\"jsonrpc\":\"2.0\",\"id\":" + ours + ",\"result\":{}}");
  CHECK(ids.restoreServerRequest(answer));
  CHECK(json::write(*answer.find("id")) == "3");
  CHECK_FALSE(ids.restoreServerRequest(answer));
}

TEST_CASE("subscriptions are counted across sessions and only the first and last reach the process") {
  SharedSessions sessions("test");
  auto alice = session("a"), bob = session("b");
  sessions.add(alice);
  sessions.add(bob);
  CHECK(sessions.subscribe(*alice, "file:///x"));
  CHECK_FALSE(sessions.subscribe(*bob, "file:///x"));
  CHECK_FALSE(sessions.subscribe(*bob, "file:///x"));
  CHECK_FALSE(sessions.unsubscribe(*alice, "file:///x"));
  CHECK(sessions.subscribedUris() == std::vector<std::string>{"file:///x"});
  auto left = sessions.remove(*bob);
  CHECK(left.unsubscribe == std::vector<std::string>{"file:///x"});
  CHECK(sessions.size() == 1);
  CHECK(bob->closed);
}

TEST_CASE("the process logs at the most verbose level any session asked for") {
  SharedSessions sessions("test");
  auto alice = session("a"), bob = session("b");
  sessions.add(alice);
  sessions.add(bob);
  CHECK(sessions.setLogLevel(*alice, logLevelRank("error")) == logLevelRank("error"));
  CHECK(sessions.setLogLevel(*bob, logLevelRank("debug")) == logLevelRank("debug"));
  CHECK_FALSE(sessions.setLogLevel(*alice, logLevelRank("warning")));
  CHECK(sessions.remove(*bob).logRank == logLevelRank("warning"));

  auto carol = session("c");
  sessions.add(carol);
  sessions.broadcast("info line", logLevelRank("info"));
  std::lock_guard<std::mutex> lock(alice->mutex);
  CHECK(alice->outbound.empty());  // alice asked for warning and above
  CHECK(carol->outbound.size() == 1);  // carol set no level and receives everything
}

TEST_CASE("a message reaches each session once, on its most recent open request") {
  SharedSessions sessions("test");
  auto alice = session("a"), bob = session("b");
  auto older = std::make_shared<PendingRequest>(), newer = std::make_shared<PendingRequest>(), bobs = std::make_shared<PendingRequest>();
  sessions.opened(older, alice);
  sessions.opened(bobs, bob);
  sessions.opened(newer, alice);
  CHECK(sessions.toOpenRequests("note", -1));
  CHECK(older->messages.empty());
  CHECK(newer->messages.size() == 1);
  CHECK(bobs->messages.size() == 1);
  std::shared_ptr<SharedSession> owner;
  CHECK(sessions.latestOpen(&owner) == newer);
  CHECK(owner == alice);
  sessions.closeAllRequests();
  CHECK_FALSE(sessions.toOpenRequests("note", -1));
}

TEST_CASE("a session that never reads its stream is closed at the queue bound") {
  SharedSessions sessions("test");
  auto slow = session("s");
  sessions.add(slow);
  for (size_t i = 0; i < SharedSessions::kMaxQueuedMessages; ++i) sessions.deliver(*slow, "m");
  CHECK_FALSE(slow->closed);
  sessions.deliver(*slow, "one too many");
  CHECK(slow->closed);
  CHECK(slow->outbound.size() == SharedSessions::kMaxQueuedMessages);
}
