#include "SshTunnel.h"

#include <stdexcept>

namespace moat::tunnel {
namespace {

struct LocalTarget {
  std::string host;
  uint16_t port = 0;
  std::string path;
};

// http://127.0.0.1:8080/mcp -> {127.0.0.1, 8080, /mcp}
LocalTarget parseLocalUrl(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) throw std::runtime_error("tunnel-ssh publishes http:// URLs, got " + std::string(url));
  std::string_view rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) throw std::runtime_error("the local URL needs a port: " + std::string(url));
  LocalTarget t;
  t.host = std::string(authority.substr(0, colon));
  t.port = static_cast<uint16_t>(std::stoi(std::string(authority.substr(colon + 1))));
  t.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  return t;
}

}  // namespace

std::string SshTunnel::open(std::string_view localUrl) {
  if (ssh_) throw std::runtime_error("this tunnel is already open");
  LocalTarget local = parseLocalUrl(localUrl);
  process::ProcessSupervisor::Options options;
  options.name = "ssh to " + settings_.user + "@" + settings_.host + ":" + std::to_string(settings_.port);
  options.command = sshCommand(settings_, local.host, local.port);
  // With -v, ssh reports the forward the server accepted at debug level 1.
  options.upWhen = [](const std::string& line) -> std::optional<std::string> {
    if (line.find("remote forward success for:") != std::string::npos) return std::string("up");
    return std::nullopt;
  };
  options.worthReporting = [](const std::string& line) { return line.rfind("debug", 0) != 0 && line.rfind("OpenSSH_", 0) != 0; };
  options.readyTimeoutMs = settings_.connectTimeoutMs + 5'000;
  options.maxBackoffMs = settings_.maxBackoffMs;
  ssh_ = std::make_unique<process::ProcessSupervisor>(host_, std::move(options));
  try {
    ssh_->start();
  } catch (...) {
    ssh_.reset();
    throw;
  }
  publicUrl_ = settings_.publicUrl + local.path;
  return publicUrl_;
}

std::string SshTunnel::status() {
  if (!ssh_) return "{\"state\":\"down\"}";
  std::string state = ssh_->statusJson();
  return state.substr(0, state.size() - 1) + ",\"public_url\":" + json::quote(publicUrl_) + "}";
}

}  // namespace moat::tunnel
