#define CATCH_CONFIG_MAIN
// stage-audit over the SDK's fake host: the event's fields, the session's client carried from
// its initialize, payload redaction and truncation, the file's mode and rotation, and both
// answers to a destination that cannot be written.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "AuditStage.h"
#include "moat/testing.hpp"

using namespace moat;
using moat::testing::FakeHost;
using moat::testing::FakeRequest;

namespace {

std::string tempPath(const std::string& name) {
  std::string dir = "/tmp/moat-audit-test-" + std::to_string(::getpid());
  ::mkdir(dir.c_str(), 0700);
  std::string path = dir + "/" + name;
  std::remove(path.c_str());
  for (int i = 1; i <= 5; ++i) std::remove((path + "." + std::to_string(i)).c_str());
  return path;
}

std::vector<json::Value> events(const std::string& path) {
  std::ifstream in(path);
  std::vector<json::Value> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

std::string fileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Completion completed(uint16_t status, Outcome outcome) {
  Completion done;
  done.status = status;
  done.outcome = outcome;
  done.durationUs = 12345;
  done.requestBytes = 80;
  done.responseBytes = 300;
  return done;
}

}  // namespace

TEST_CASE("an event says who did what, how it ended, and names the client its session began with") {
  const std::string path = tempPath("events.ndjson");
  FakeHost fake;
  audit::AuditStage stage(fake.host(), json::parse(R"({"file":")" + path + R"("})"));

  FakeRequest init;
  init.body = R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"clientInfo":{"name":"claude-code","version":"2.1.0"}}})";
  init.rpcMethod = "initialize";
  init.identity = std::make_pair(std::string("alice"), std::string(R"({"email":"alice@example.com"})"));
  init.responseHeaders["mcp-session-id"] = "session-secret-123";
  auto initRequest = fake.request(init);
  stage.onComplete(initRequest, completed(200, Outcome::Success));

  FakeRequest call;
  call.id = "req-42";
  call.body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query","arguments":{"sql":"select 1"}}})";
  call.rpcMethod = "tools/call";
  call.rpcTarget = "query";
  call.serverName = "bigquery";
  call.headers["mcp-session-id"] = "session-secret-123";
  call.headers["authorization"] = "Bearer the-exchanged-token";
  call.clientCredential = "Bearer the-client-token";
  call.identity = init.identity;
  call.notesJson = R"({"delegation":"[\"moat-gateway\"]","policy":"allowed by rule 3"})";
  auto callRequest = fake.request(call);
  stage.onComplete(callRequest, completed(200, Outcome::Error));

  const auto all = events(path);
  REQUIRE(all.size() == 2);
  const json::Value& event = all[1];
  CHECK(event.stringOr("type", "") == "tools/call");
  CHECK(event.stringOr("outcome", "") == "error");
  CHECK(event.find("status")->asNumber() == 200);
  CHECK(event.find("subject")->stringOr("sub", "") == "alice");
  CHECK(event.find("subject")->stringOr("email", "") == "alice@example.com");
  CHECK(event.find("subject")->stringOr("client_name", "") == "claude-code");
  CHECK(event.find("subject")->stringOr("client_version", "") == "2.1.0");
  CHECK(event.find("target")->stringOr("route", "") == "bigquery");
  CHECK(event.find("target")->stringOr("method", "") == "tools/call");
  CHECK(event.find("target")->stringOr("name", "") == "query");
  CHECK(event.find("delegation")->items().at(0).asString() == "moat-gateway");
  CHECK(event.find("notes")->stringOr("policy", "") == "allowed by rule 3");
  CHECK(event.find("duration_ms")->asNumber() == Approx(12.34));
  CHECK(event.find("request_bytes")->asNumber() == 80);
  CHECK(event.find("response_bytes")->asNumber() == 300);
  CHECK(event.stringOr("request_id", "") == "req-42");
  CHECK(event.stringOr("source", "") == "127.0.0.1");
  CHECK(event.stringOr("audit_id", "").size() == 32);
  CHECK(event.stringOr("audit_id", "") != all[0].stringOr("audit_id", ""));
  CHECK(event.find("params") == nullptr);  // payloads are off unless configured

  const std::string text = fileText(path);
  CHECK(text.find("session-secret-123") == std::string::npos);  // only its fingerprint
  CHECK(event.find("target")->stringOr("session", "").size() == 12);
  CHECK(text.find("the-exchanged-token") == std::string::npos);
  CHECK(text.find("the-client-token") == std::string::npos);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(fake.counters["events"] == 2);
}

TEST_CASE("payloads, when configured, are redacted at any depth and cut to their limit") {
  const std::string path = tempPath("payloads.ndjson");
  FakeHost fake;
  audit::AuditStage stage(fake.host(), json::parse(R"({"file":")" + path + R"(","payloads":true,"payload_limit":200,"redact":["SSN"]})"));
  FakeRequest call;
  call.rpcMethod = "tools/call";
  call.body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lookup","arguments":{"ssn":"123-45-6789","nested":[{"password":"hunter2","ok":"kept"}]}}})";
  auto r = fake.request(call);
  stage.onComplete(r, completed(200, Outcome::Success));
  FakeRequest big = call;
  big.body = R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"write","arguments":{"text":")" + std::string(1000, 'x') + R"("}}})";
  auto rb = fake.request(big);
  stage.onComplete(rb, completed(200, Outcome::Success));

  const auto all = events(path);
  REQUIRE(all.size() == 2);
  const json::Value* arguments = all[0].find("params")->find("arguments");
  CHECK(arguments->stringOr("ssn", "") == "[redacted]");
  CHECK(arguments->find("nested")->items().at(0).stringOr("password", "") == "[redacted]");
  CHECK(arguments->find("nested")->items().at(0).stringOr("ok", "") == "kept");
  CHECK(fileText(path).find("hunter2") == std::string::npos);
  CHECK(all[1].find("params") == nullptr);
  CHECK(all[1].stringOr("params_text", "").size() == 200);
  CHECK(all[1].find("params_truncated")->asBool());
}

TEST_CASE("the file rotates by size and keeps max_files old ones") {
  const std::string path = tempPath("rotating.ndjson");
  FakeHost fake;
  audit::AuditStage stage(fake.host(), json::parse(R"({"file":")" + path + R"(","max_size":2000,"max_files":2})"));
  for (int i = 0; i < 40; ++i) {
    FakeRequest call;
    call.rpcMethod = "tools/list";
    auto r = fake.request(call);
    stage.onComplete(r, completed(200, Outcome::Success));
  }
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK(info.st_size <= 2000);
  CHECK((info.st_mode & 0777) == 0600);
  REQUIRE(::stat((path + ".1").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(::stat((path + ".2").c_str(), &info) == 0);
  CHECK(::stat((path + ".3").c_str(), &info) != 0);
  CHECK(events(path).size() + events(path + ".1").size() + events(path + ".2").size() < 40);  // the oldest were dropped
}

TEST_CASE("a destination that cannot be written: events are dropped and counted, or requests refused") {
  FakeHost fake;
  SECTION("drop (the default)") {
    audit::AuditStage stage(fake.host(), json::parse(R"({"file":"/dev/full"})"));
    for (int i = 0; i < 3; ++i) {
      FakeRequest call;
      auto r = fake.request(call);
      stage.onComplete(r, completed(200, Outcome::Success));
      CHECK(stage.onRequest(r) == Status::Continue);
    }
    CHECK(fake.counters["events_dropped"] == 3);
    size_t errors = 0;
    for (const auto& [level, line] : fake.logged()) errors += level == MOAT_LOG_ERROR && line.find("/dev/full") != std::string::npos;
    CHECK(errors == 1);  // once per run of failures, not per event
  }
  SECTION("fail_closed") {
    audit::AuditStage stage(fake.host(), json::parse(R"({"file":"/dev/full","on_failure":"fail_closed"})"));
    FakeRequest first;
    auto r = fake.request(first);
    CHECK(stage.onRequest(r) == Status::Continue);  // nothing has failed yet
    stage.onComplete(r, completed(200, Outcome::Success));
    FakeRequest next;
    next.body = R"({"jsonrpc":"2.0","id":7,"method":"tools/call"})";
    auto n = fake.request(next);
    CHECK(stage.onRequest(n) == Status::Replied);
    CHECK(next.replyStatus == 503);
    CHECK(next.replyBody.find("\"id\":7") != std::string::npos);
    CHECK(next.replyHeaders["retry-after"] == "5");
  }
}

TEST_CASE("a bad configuration is refused with the key named") {
  FakeHost fake;
  CHECK_THROWS_WITH(audit::AuditStage(fake.host(), json::parse(R"({"on_failure":"shrug"})")), Catch::Contains("on_failure"));
  CHECK_THROWS_WITH(audit::AuditStage(fake.host(), json::parse(R"({"max_size":"lots"})")), Catch::Contains("max_size"));
  CHECK_THROWS_WITH(audit::AuditStage(fake.host(), json::parse(R"({"flie":"x"})")), Catch::Contains("file"));
  CHECK_THROWS_WITH(audit::AuditStage(fake.host(), json::parse(R"({"file":"/nonexistent-dir/audit.ndjson"})")),
                    Catch::Contains("cannot open the audit file /nonexistent-dir/audit.ndjson"));
}
