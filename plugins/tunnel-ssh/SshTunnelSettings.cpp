#include "SshTunnelSettings.h"

#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

#include "ProviderArgs.h"

namespace moat::tunnel {
namespace {

uint16_t portNumber(const json::Value& c, const char* key, uint16_t fallback) {
  const json::Value* v = c.find(key);
  if (!v || v->isNull()) return fallback;
  if (v->type() != json::Value::Type::Number || v->asNumber() < 1 || v->asNumber() > 65535) badArgument(key, "expected a port number");
  return static_cast<uint16_t>(v->asNumber());
}

std::string expandHome(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + path.substr(1) : path;
}

std::string readableFile(const json::Value& c, const char* key, const std::string& fallback) {
  std::string path = expandHome(textArgument(c, key));
  if (path.empty()) path = expandHome(fallback);
  if (::access(path.c_str(), R_OK) != 0) badArgument(key, "cannot read " + path);
  return path;
}

}  // namespace

SshTunnelSettings readSshTunnelSettings(const json::Value& c) {
  rejectUnknownArguments(c, {"host", "port", "user", "identity_file", "known_hosts_file", "remote_port", "remote_bind_address",
                             "public_url", "max_backoff_seconds", "connect_timeout_seconds", "ssh_binary"});
  SshTunnelSettings s;
  s.host = textArgument(c, "host");
  if (s.host.empty()) badArgument("host", "required: the SSH server that will carry the reverse forward");
  s.port = portNumber(c, "port", 22);
  s.user = textArgument(c, "user");
  if (s.user.empty()) badArgument("user", "required");
  s.identityFile = readableFile(c, "identity_file", "~/.ssh/id_ed25519");
  s.knownHostsFile = readableFile(c, "known_hosts_file", "~/.ssh/known_hosts");
  s.remotePort = portNumber(c, "remote_port", 0);
  if (s.remotePort == 0) badArgument("remote_port", "required: the port the SSH server listens on for clients");
  if (auto bind = textArgument(c, "remote_bind_address"); !bind.empty()) s.remoteBindAddress = bind;
  s.publicUrl = textArgument(c, "public_url");
  if (s.publicUrl.empty()) s.publicUrl = "http://" + s.host + ":" + std::to_string(s.remotePort);
  while (!s.publicUrl.empty() && s.publicUrl.back() == '/') s.publicUrl.pop_back();
  if (s.publicUrl.rfind("http://", 0) != 0 && s.publicUrl.rfind("https://", 0) != 0) badArgument("public_url", "expected an http(s):// URL");
  secondsArgument(c, "max_backoff_seconds", s.maxBackoffMs);
  secondsArgument(c, "connect_timeout_seconds", s.connectTimeoutMs);
  if (auto binary = textArgument(c, "ssh_binary"); !binary.empty()) s.sshBinary = binary;
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
