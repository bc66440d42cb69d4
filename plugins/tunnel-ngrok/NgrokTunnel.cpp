#include "NgrokTunnel.h"

#include <unistd.h>

#include <stdexcept>

#include "moat/settings.hpp"

namespace moat::tunnel {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// http://127.0.0.1:8080/mcp -> {"http://127.0.0.1:8080", "/mcp"}
std::pair<std::string, std::string> splitLocalUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) throw std::runtime_error("not a URL: " + std::string(url));
  size_t slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return {std::string(url), ""};
  return {std::string(url.substr(0, slash)), std::string(url.substr(slash))};
}

}  // namespace

NgrokSettings readNgrokSettings(const Host& host, const json::Value& c) {
  settings::checkKeys(c, {"auth-token", "auth-token-file", "url", "pooling", "traffic-policy-file", "ngrok-binary",
                          "max-backoff-seconds", "start-timeout-seconds"},
                      host.instanceName());
  NgrokSettings s;
  s.authToken = settings::text(c, "auth-token");
  if (auto file = settings::text(c, "auth-token-file"); !file.empty()) {
    if (!s.authToken.empty()) settings::fail("auth-token", "give auth-token or auth-token-file, not both");
    try {
      s.authToken = trimmed(host.readSecretFile(file));
    } catch (const std::exception& e) {
      settings::fail("auth-token-file", e.what());
    }
  }
  s.url = settings::text(c, "url");
  if (!s.url.empty() && s.url.find("://") == std::string::npos) s.url = "https://" + s.url;
  if (const json::Value* pooling = c.find("pooling"); pooling && !pooling->isNull()) {
    if (pooling->type() != json::Value::Type::Bool) settings::fail("pooling", "expected true or false");
    s.pooling = pooling->asBool();
  }
  if (s.pooling && s.url.empty()) settings::fail("pooling", "pooling shares a reserved url between agents: give url too");
  s.trafficPolicyFile = settings::text(c, "traffic-policy-file");
  if (!s.trafficPolicyFile.empty() && ::access(s.trafficPolicyFile.c_str(), R_OK) != 0)
    settings::fail("traffic-policy-file", "cannot read " + s.trafficPolicyFile);
  if (auto binary = settings::text(c, "ngrok-binary"); !binary.empty()) s.binary = binary;
  s.maxBackoffMs = settings::secondsMs(c, "max-backoff-seconds", s.maxBackoffMs);
  s.startTimeoutMs = settings::secondsMs(c, "start-timeout-seconds", s.startTimeoutMs);
  return s;
}

std::optional<std::string> startedTunnelUrl(const std::string& line) {
  if (line.find("msg=\"started tunnel\"") == std::string::npos) return std::nullopt;
  size_t at = line.find(" url=");
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + 5, end = line.find(' ', start);
  std::string url = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return std::nullopt;
  return url;
}

std::string NgrokTunnel::open(std::string_view localUrl) {
  if (agent_) throw std::runtime_error("this tunnel is already open");
  auto [origin, path] = splitLocalUrl(localUrl);
  process::ProcessSupervisor::Options options;
  options.name = "ngrok agent";
  options.command = {settings_.binary, "http", origin, "--log", "stdout", "--log-format", "logfmt"};
  if (!settings_.url.empty()) options.command.insert(options.command.end(), {"--url", settings_.url});
  if (settings_.pooling) options.command.push_back("--pooling-enabled");
  if (!settings_.trafficPolicyFile.empty()) options.command.insert(options.command.end(), {"--traffic-policy-file", settings_.trafficPolicyFile});
  if (!settings_.authToken.empty()) options.extraEnvironment.push_back("NGROK_AUTHTOKEN=" + settings_.authToken);
  options.upWhen = startedTunnelUrl;
  const std::string token = settings_.authToken;
  options.worthReporting = [token](const std::string& line) {
    if (!token.empty() && line.find(token) != std::string::npos) return false;  // never quote the token
    return line.find("lvl=eror") != std::string::npos || line.find("lvl=crit") != std::string::npos ||
           line.find("ERROR") != std::string::npos || line.find("ERR_NGROK") != std::string::npos;
  };
  options.readyTimeoutMs = settings_.startTimeoutMs;
  options.maxBackoffMs = settings_.maxBackoffMs;
  agent_ = std::make_unique<process::ProcessSupervisor>(host_, std::move(options));
  try {
    std::string url = agent_->start();
    while (!url.empty() && url.back() == '/') url.pop_back();
    publicUrl_ = url + path;
  } catch (...) {
    agent_.reset();
    throw;
  }
  return publicUrl_;
}

std::string NgrokTunnel::status() {
  if (!agent_) return "{\"state\":\"down\"}";
  std::string state = agent_->statusJson();
  return state.substr(0, state.size() - 1) + ",\"public_url\":" + json::quote(publicUrl_) + "}";
}

}  // namespace moat::tunnel
