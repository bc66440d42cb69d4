#include <catch2/catch.hpp>

#include <sstream>

#include "gateway/ToolView.h"
#include "moat/json.hpp"
#include "server/AnswerRewriter.h"

using namespace moat;
using gateway::AnswerFormat;
using gateway::AnswerRewriter;
using gateway::ToolView;

namespace {

config::ToolsConfig sampleView() {
  config::ToolsConfig tools;
  tools.allow = {"say", "whoami", "pid"};
  tools.deny = {"pid"};
  tools.overrides = {{"echo", "say", "Repeats"}};
  return tools;
}

const std::string kList =
    R"({"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"echo","description":"Echoes","inputSchema":{"type":"object"}},)"
    R"({"name":"whoami","description":"Who"},{"name":"pid"},{"name":"sleep"},{"name":"say","description":"the server's own say"}]}})";

std::vector<std::string> names(const std::string& message) {
  const json::Value answer = json::parse(message);
  std::vector<std::string> out;
  for (const auto& tool : answer.find("result")->find("tools")->items()) out.push_back(tool.stringOr("name", ""));
  return out;
}

}  // namespace

TEST_CASE("a tool view maps shown names to the server's and hides the rest, old names of renamed tools included") {
  config::ToolsConfig tools = sampleView();
  ToolView view(tools);
  CHECK(view.serverName("say") == "echo");
  CHECK(view.serverName("whoami") == "whoami");
  CHECK_FALSE(view.serverName("echo"));   // renamed: only the new name is callable
  CHECK_FALSE(view.serverName("pid"));    // allowed and denied: deny wins
  CHECK_FALSE(view.serverName("sleep"));  // not allowed
}

TEST_CASE("a tools/list answer keeps the id, renames, filters, and drops a server tool that shadows a new name") {
  config::ToolsConfig tools = sampleView();
  ToolView view(tools);
  std::string message = kList;
  REQUIRE(view.rewriteListAnswer(message));
  CHECK(names(message) == std::vector<std::string>{"say", "whoami"});
  const json::Value answer = json::parse(message);
  CHECK(answer.find("id")->asNumber() == 7);
  const json::Value& say = answer.find("result")->find("tools")->items().at(0);
  CHECK(say.stringOr("description", "") == "Repeats");
  CHECK(say.find("inputSchema") != nullptr);
  std::string notAList = R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})";
  CHECK_FALSE(view.rewriteListAnswer(notAList));
  CHECK(notAList == R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})");
}

TEST_CASE("a tools/call is renamed for the server, or refused with the name the client used") {
  config::ToolsConfig tools = sampleView();
  ToolView view(tools);
  std::string refused;
  auto mapped = view.rewriteCall(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"say","arguments":{"message":"hi"}}})", refused);
  REQUIRE(mapped);
  const json::Value call = json::parse(*mapped);
  CHECK(call.find("params")->stringOr("name", "") == "echo");
  CHECK(call.find("params")->find("arguments")->stringOr("message", "") == "hi");
  CHECK_FALSE(view.rewriteCall(R"([{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}},)"
                               R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo"}}])", refused));
  CHECK(refused == "echo");
  const std::string other = R"({"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"echo"}})";
  CHECK(view.rewriteCall(other, refused) == other);
}

TEST_CASE("an event stream is rewritten event by event, across split writes, CRLF and multi-line data") {
  config::ToolsConfig tools = sampleView();
  ToolView view(tools);
  std::ostringstream client;
  AnswerRewriter rewriter(client, AnswerFormat::EventStream, [&](std::string& m) { return view.rewriteListAnswer(m); }, 1 << 20, "{}");
  std::ostream out(&rewriter);
  const std::string progress = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\r\n\r\n";
  out << progress.substr(0, 20);
  out.flush();
  CHECK(client.str().empty());  // nothing of an unfinished event leaves
  out << progress.substr(20);
  out.flush();
  CHECK(client.str() == progress);  // an event without a tool list passes as it came
  // Split where a server may break its data lines: between two values, not inside a string.
  const size_t cut = kList.find("{\"name\":\"whoami\"");
  const std::string half = kList.substr(0, cut), rest = kList.substr(cut);
  out << "id: 5\nevent: message\ndata: " << half << "\ndata: " << rest << "\n\n";
  out.flush();
  rewriter.finish();
  const std::string sent = client.str().substr(progress.size());
  CHECK(sent.rfind("id: 5\nevent: message\ndata: ", 0) == 0);
  // The two data lines were one message (joined with a line break, which JSON reads as space).
  const std::string message = sent.substr(sent.find("data: ") + 6, sent.size() - sent.find("data: ") - 6 - 2);
  CHECK(names(message) == std::vector<std::string>{"say", "whoami"});
}

TEST_CASE("a JSON answer is held until complete, and one over the limit is replaced, never sent unfiltered") {
  config::ToolsConfig tools = sampleView();
  ToolView view(tools);
  std::ostringstream client;
  {
    AnswerRewriter rewriter(client, AnswerFormat::Json, [&](std::string& m) { return view.rewriteListAnswer(m); }, 1 << 20, "{}");
    std::ostream out(&rewriter);
    out << kList.substr(0, 30);
    out.flush();
    CHECK(client.str().empty());
    out << kList.substr(30);
    rewriter.finish();
  }
  CHECK(names(client.str()) == std::vector<std::string>{"say", "whoami"});
  std::ostringstream small;
  AnswerRewriter limited(small, AnswerFormat::Json, [&](std::string& m) { return view.rewriteListAnswer(m); }, 64, "TOO-LARGE");
  std::ostream out(&limited);
  out << kList;
  limited.finish();
  CHECK(small.str() == "TOO-LARGE");
}

TEST_CASE("answer formats by content type, parameters and case aside") {
  CHECK(gateway::answerFormat("application/json; charset=utf-8") == AnswerFormat::Json);
  CHECK(gateway::answerFormat("Text/Event-Stream") == AnswerFormat::EventStream);
  CHECK(gateway::answerFormat("text/plain") == AnswerFormat::Other);
}
