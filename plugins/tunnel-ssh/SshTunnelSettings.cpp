#include "SshTunnelSettings.h"

#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

#include "moat/settings.hpp"

namespace moat::tunnel {
namespace {

uint16_t portNumber(const json::Value& c, const char* key, uint16_t fallback) {
  const json::Value* v = c.find(key);
  if (!v || v->isNull()) return fallback;
  if (v->type() != json::Value::Type::Number || v->asNumber() < 1 || v->asNumber() > 65535) settings::fail(key, "expected a port number");
  return static_cast<uint16_t>(v->asNumber());
}

std::string expandHome(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + path.substr(1) : path;
}

std::string readableFile(const json::Value& c, const char* key, const std::string& fallback) {
  std::string path = expandHome(settings::text(c, key));
  if (path.empty()) path = expandHome(fallback);
  if (::access(path.c_str(), R_OK) != 0) settings::fail(key, "cannot read " + path);
  return path;
}

}  // namespace

SshTunnelSettings readSshTunnelSettings(const json::Value& c, std::string_view instance) {
  settings::checkKeys(c, {"host", "port", "user", "identity_file", "known_hosts_file", "remote_port", "remote_bind_address",
                             "public_url", "max_backoff_seconds", "connect_timeout_seconds", "ssh_binary"}, instance);
  SshTunnelSettings s;
  s.host = settings::text(c, "host");
  if (s.host.empty()) settings::fail("host", "required: the SSH server that will carry the reverse forward");
  s.port = portNumber(c, "port", 22);
  s.user = settings::text(c, "user");
  if (s.user.empty()) settings::fail("user", "required");
  s.identityFile = readableFile(c, "identity_file", "~/.ssh/id_ed25519");
  s.knownHostsFile = readableFile(c, "known_hosts_file", "~/.ssh/known_hosts");
  s.remotePort = portNumber(c, "remote_port", 0);
  if (s.remotePort == 0) settings::fail("remote_port", "required: the port the SSH server listens on for clients");
  if (auto bind = settings::text(c, "remote_bind_address"); !bind.empty()) s.remoteBindAddress = bind;
  s.publicUrl = settings::text(c, "public_url");
  if (s.publicUrl.empty()) s.publicUrl = "http://" + s.host + ":" + std::to_string(s.remotePort);
  while (!s.publicUrl.empty() && s.publicUrl.back() == '/') s.publicUrl.pop_back();
  if (s.publicUrl.rfind("http://", 0) != 0 && s.publicUrl.rfind("https://", 0) != 0) settings::fail("public_url", "expected an http(s):// URL");
  s.maxBackoffMs = settings::secondsMs(c, "max_backoff_seconds", s.maxBackoffMs);
  s.connectTimeoutMs = settings::secondsMs(c, "connect_timeout_seconds", s.connectTimeoutMs);
  if (auto binary = settings::text(c, "ssh_binary"); !binary.empty()) s.sshBinary = binary;
  return s;
}

std::vector<std::string> sshCommand(const SshTunnelSettings& s, const std::string& localHost, uint16_t localPort) {
  return {s.sshBinary, "-N", "-v",
          "-o", "BatchMode=yes",                 // never prompt: a key or nothing
          "-o", "StrictHostKeyChecking=yes",     // the server's key must already be known
          "-o", "UserKnownHostsFile=" + s.knownHostsFile,
          "-o", "IdentitiesOnly=yes",
          "-o", "ExitOnForwardFailure=yes",      // a port already taken is an error, not a silent no-op
          "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
          "-o", "ConnectTimeout=" + std::to_string(std::max<int64_t>(1, s.connectTimeoutMs / 1000)),
          "-i", s.identityFile, "-p", std::to_string(s.port),
          "-R", s.remoteBindAddress + ":" + std::to_string(s.remotePort) + ":" + localHost + ":" + std::to_string(localPort),
          s.user + "@" + s.host};
}

}  // namespace moat::tunnel
