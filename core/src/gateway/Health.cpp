#include "gateway/Health.h"

#include "moat/json.hpp"

namespace moat::gateway {
namespace {

std::string stateOf(const std::string& health) {
  try {
    return json::parse(health).stringOr("state", "");
  } catch (const std::exception&) {
    return "";
  }
}

// "servers":{...} with the health of every upstream that keeps state; `judge` says whether a
// state counts against the report.
template <typename Judge>
std::string serversJson(const Router& router, Judge judge, bool& bad) {
  std::string servers;
  for (const auto& route : router.routes()) {
    std::string health = route->upstream->health();
    if (health.empty()) continue;
    bad = judge(stateOf(health)) || bad;
    servers += (servers.empty() ? "" : ",") + json::quote(route->config.name) + ":" + health;
  }
  return servers.empty() ? std::string() : ",\"servers\":{" + servers + "}";
}

}  // namespace

// {"status":"ok","servers":{"name":{...}}}: a server whose upstream failed makes it "degraded".
HealthReport liveness(const Router& router) {
  bool failed = false;
  std::string servers = serversJson(router, [](const std::string& state) { return state == "failed"; }, failed);
  return {failed ? 503 : 200, std::string("{\"status\":\"") + (failed ? "degraded" : "ok") + "\"" + servers + "}"};
}

// {"status":"ready","listener":"up","servers":{...}}: ready when the listener is up, every
// upstream that keeps state is up (or idle until its first session), and every stage that can
// tell says it is ready (an authenticator holds its IdP's keys); "stages" names those that are not.
HealthReport readiness(const Router& router, bool listening) {
  bool unready = !listening;
  std::string servers = serversJson(router, [](const std::string& state) { return state != "up" && state != "idle"; }, unready);
  std::string stages;
  for (const auto& route : router.routes())
    for (const auto& stage : route->pipeline->stages()) {
      std::string why;
      if (stage->ready(why)) continue;
      unready = true;
      stages += (stages.empty() ? "" : ",") + json::quote(stage->label()) + ":" + json::quote(why);
    }
  return {unready ? 503 : 200, std::string("{\"status\":\"") + (unready ? "not_ready" : "ready") + "\",\"listener\":\"" +
                                   (listening ? "up" : "down") + "\"" + servers + (stages.empty() ? "" : ",\"stages\":{" + stages + "}") + "}"};
}

}  // namespace moat::gateway
