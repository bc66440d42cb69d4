// JSON-RPC envelopes and batches: the SDK's JSON parser (every message the gateway and the
// plugins read), the id extraction used in every error reply, and the shared stdio bridge's id
// rewriting, which must give every answer back under the id the client sent.
#include <cstdint>
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "moat/json.hpp"
#include "moat/jsonrpc.hpp"
#include "upstream/IdRewriter.h"

namespace {

void rewriteAndAnswer(moat::gateway::IdRewriter& ids, const moat::json::Value& original) {
  if (original.type() != moat::json::Value::Type::Object || !original.find("method")) return;
  moat::json::Value message = original;
  std::string clientId = moat::jsonrpc::idJson(original);
  moat::gateway::IdRewriter::Waiter waiter;
  waiter.clientIdJson = clientId;
  std::string ours = ids.track(message, waiter);
  FUZZ_CHECK(moat::jsonrpc::idJson(message) == ours, "the message leaves under our id");
  auto answered = ids.answered(ours);
  FUZZ_CHECK(answered && answered->clientIdJson == clientId, "the answer goes back under the client's id");
  FUZZ_CHECK(!ids.answered(ours), "an id is answered once");
  if (const moat::json::Value* params = message.find("params"); params && params->type() == moat::json::Value::Type::Object) {
    moat::json::Value copy = *params;
    ids.progress(copy);
  }
  moat::json::Value serverRequest = original;
  std::string serverId = ids.trackServerRequest(serverRequest);
  serverRequest.mutableMembers()["result"] = moat::json::Value::makeObject();
  ids.restoreServerRequest(serverRequest);
  ids.dropServerRequest(serverId);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string id = moat::jsonrpc::idJson(text);
  FUZZ_CHECK(!id.empty(), "an id is always something, if only null");
  moat::json::Value parsed;
  try {
    parsed = moat::json::parse(text);
  } catch (const std::exception&) {
    return 0;
  }
  // What the gateway writes, it reads back the same.
  std::string written = moat::json::write(parsed);
  std::string rewritten = moat::json::write(moat::json::parse(written));
  FUZZ_CHECK(written == rewritten, "write(parse(write(x))) == write(x)");
  moat::gateway::IdRewriter ids;
  if (parsed.type() == moat::json::Value::Type::Array) {
    for (const auto& element : parsed.items()) rewriteAndAnswer(ids, element);
  } else {
    rewriteAndAnswer(ids, parsed);
  }
  ids.takeAll();
  return 0;
}
