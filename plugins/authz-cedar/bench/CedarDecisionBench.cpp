// Decisions per second of a policy file, one thread: the whole authorize path (building
// ToolHive's entities and request from the claims and arguments, then Cedar's evaluation) and
// Cedar's evaluation alone, for an allowed and a denied question. One JSON line each.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "CedarEngine.h"
#include "CedarRequest.h"

using namespace moat;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void measure(const char* label, const cedar::Engine& engine, const cedar::Question& question, int count) {
  const cedar::Model model;
  volatile int allowed = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) allowed = allowed + (engine.decide(cedar::requestJson(model, question)) == cedar::Engine::Decision::Allow);
  const double whole = secondsSince(start);
  const std::string request = cedar::requestJson(model, question);
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) allowed = allowed + (engine.decide(request) == cedar::Engine::Decision::Allow);
  const double evaluating = secondsSince(start);
  std::printf("{\"question\":\"%s\",\"decisions_per_s\":%.1f,\"us_per_decision\":%.3f,\"us_evaluating\":%.3f}\n", label, count / whole,
              whole * 1e6 / count, evaluating * 1e6 / count);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: authz_cedar_bench POLICY_FILE [COUNT]\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  std::ostringstream text;
  text << in.rdbuf();
  const int count = argc > 2 ? std::atoi(argv[2]) : 20000;
  const cedar::Engine engine({{argv[1], text.str()}}, "");
  const json::Value claims = json::parse(
      R"({"sub":"alice","email":"alice@example.com","groups":["engineering","staff"],"scope":"openid mcp:tools","iss":"http://127.0.0.1:9400","aud":"http://127.0.0.1:8080/mcp","exp":1900000000,"iat":1700000000})");
  const json::Value arguments = json::parse(R"({"message":"bench"})");
  const json::Value none = json::Value::makeObject();
  measure("tools/call echo, allowed", engine, {"alice", &claims, "tool", "call", "echo", &arguments, &none}, count);
  measure("tools/call tool_42, denied", engine, {"alice", &claims, "tool", "call", "tool_42", &arguments, &none}, count);
  return 0;
}
