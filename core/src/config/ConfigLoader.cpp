#include "config/ConfigLoader.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>

#include "config/Units.h"
#include "secrets/SecretStore.h"
#include "moat/json.hpp"
#include "moat/settings.hpp"

namespace moat::config {
namespace {

std::string directoryOf(const std::string& file) {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? "." : file.substr(0, slash);
}

class Reader {
 public:
  Reader(std::string file, std::vector<ConfigError>& errors)
      : file_(std::move(file)), baseDir_(directoryOf(file_)), errors_(errors) {}

  Location at(const YAML::Node& node, const std::string& key) const {
    Location where{file_, 0, 0, key};
    if (node.IsDefined() && node.Mark().line >= 0) {
      where.line = node.Mark().line + 1;
      where.column = node.Mark().column + 1;
    }
    return where;
  }
  void fail(const YAML::Node& node, const std::string& key, std::string message) {
    errors_.push_back({at(node, key), std::move(message)});
  }

  bool expectMap(const YAML::Node& node, const std::string& key) {
    if (node.IsMap()) return true;
    fail(node, key, "expected a mapping");
    return false;
  }

  void allowOnly(const YAML::Node& map, const std::string& path, std::initializer_list<std::string_view> allowed) {
    for (const auto& entry : map) {
      std::string name = entry.first.Scalar();
      bool known = false;
      for (auto a : allowed) known = known || a == name;
      if (known) continue;
      std::string list;
      std::set<std::string> keys;
      for (auto a : allowed) {
        list += (list.empty() ? "" : ", ") + std::string(a);
        keys.emplace(a);
      }
      std::string closest = settings::closestKey(name, keys);
      fail(entry.first, join(path, name),
           "unknown key (" + (closest.empty() ? "" : "did you mean '" + closest + "'? ") + "expected one of: " + list + ")");
    }
  }

  static std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

  // ${NAME} is replaced by the environment variable NAME; an unset variable is an error.
  std::string expand(const YAML::Node& node, const std::string& key, const std::string& text) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
      auto start = text.find("${", i);
      if (start == std::string::npos) { out += text.substr(i); break; }
      auto end = text.find('}', start);
      if (end == std::string::npos) { out += text.substr(i); break; }
      out += text.substr(i, start - i);
      std::string name = text.substr(start + 2, end - start - 2);
      if (name.rfind("secret:", 0) == 0) {
        if (auto value = secret(node, key, name.substr(7))) out += *value;
        i = end + 1;
        continue;
      }
      const char* value = std::getenv(name.c_str());
      if (!value) fail(node, key, "environment variable " + name + " is not set");
      else out += value;
      i = end + 1;
    }
    return out;
  }

  bool string(const YAML::Node& map, const std::string& path, const char* name, std::string& out) {
    YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return false;
    if (!node.IsScalar()) { fail(node, join(path, name), "expected a string"); return false; }
    out = expand(node, join(path, name), node.Scalar());
    return true;
  }

  void integer(const YAML::Node& map, const std::string& path, const char* name, long long min, long long max, auto& out) {
    YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    long long value = 0;
    if (!node.IsScalar() || !YAML::convert<long long>::decode(node, value) || value < min || value > max) {
      fail(node, join(path, name), "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    out = static_cast<std::decay_t<decltype(out)>>(value);
  }

  void boolean(const YAML::Node& map, const std::string& path, const char* name, bool& out) {
    YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, out)) fail(node, join(path, name), "expected true or false");
  }

  void duration(const YAML::Node& map, const std::string& path, const char* name, int& outMs) {
    YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    auto ms = node.IsScalar() ? parseDurationMs(node.Scalar()) : std::nullopt;
    if (!ms || *ms <= 0 || *ms > 86'400'000) {
      fail(node, join(path, name), "expected a duration such as 500ms, 30s or 5m");
      return;
    }
    outMs = static_cast<int>(*ms);
  }

  void bytes(const YAML::Node& map, const std::string& path, const char* name, size_t& out) {
    YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    auto value = node.IsScalar() ? parseBytes(node.Scalar()) : std::nullopt;
    if (!value || *value == 0) {
      fail(node, join(path, name), "expected a size such as 1048576, 512KiB or 4MiB");
      return;
    }
    out = *value;
  }

  void stringList(const YAML::Node& map, const std::string& path, const char* name, std::vector<std::string>& out) {
    YAML::Node node = map[name];
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) { fail(node, join(path, name), "expected a list of strings"); return; }
    for (size_t i = 0; i < node.size(); ++i) {
      std::string key = join(path, name) + "[" + std::to_string(i) + "]";
      if (!node[i].IsScalar()) { fail(node[i], key, "expected a string"); continue; }
      out.push_back(expand(node[i], key, node[i].Scalar()));
    }
  }

  std::string resolvePath(const std::string& path) const {
    if (path.empty() || path.front() == '/') return path;
    return baseDir_ + "/" + path;
  }

  // A plugin's `config:` subtree, as JSON. Quoted scalars stay strings; plain ones that read as
  // booleans or numbers become those. A relative path under a key named `*_file` or `*_files`
  // is made relative to this file's directory, as every path in the file is (a plugin would
  // otherwise read it relative to wherever the gateway was started).
  std::string toJson(const YAML::Node& node, const std::string& key, bool paths = false) {
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return "null";
      case YAML::NodeType::Scalar: return paths ? json::quote(resolvePath(node.Scalar())) : scalarJson(node, key);
      case YAML::NodeType::Sequence: {
        std::string out = "[";
        for (size_t i = 0; i < node.size(); ++i)
          out += (i ? "," : "") + toJson(node[i], key + "[" + std::to_string(i) + "]", paths);
        return out + "]";
      }
      case YAML::NodeType::Map: {
        std::string out = "{";
        bool first = true;
        for (const auto& entry : node) {
          std::string name = entry.first.Scalar();
          const bool namesPaths = name.ends_with("_file") || name.ends_with("_files");
          out += (first ? "" : ",") + json::quote(name) + ":" + toJson(entry.second, join(key, name), namesPaths);
          first = false;
        }
        return out + "}";
      }
    }
    return "null";
  }

  const std::string& file() const { return file_; }

 private:
  std::string scalarJson(const YAML::Node& node, const std::string& key) {
    std::string text = expand(node, key, node.Scalar());
    if (node.Tag() == "!") return json::quote(text);  // quoted in YAML
    bool b = false;
    if (text == "true" || text == "false") return text;
    if (YAML::convert<bool>::decode(node, b) && (text == "yes" || text == "no" || text == "on" || text == "off"))
      return b ? "true" : "false";
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    bool numeric = !text.empty() && end == text.c_str() + text.size() && text.find_first_of("xXnN") == std::string::npos;
    return numeric ? text : json::quote(text);
  }

  // ${secret:NAME}: from the secret store (read once per load) or, in CI, MOAT_SECRET_<NAME>.
  // An error names the secret and the key, never a value.
  std::optional<std::string> secret(const YAML::Node& node, const std::string& key, const std::string& name) {
    try {
      secrets::checkName(name);
      if (secrets::environmentProvider()) {
        auto value = secrets::lookup(name);
        if (!value) fail(node, key, "secret " + name + ": " + secrets::environmentName(name) + " is not set (MOAT_SECRETS_PROVIDER=environment)");
        return value;
      }
      if (!store_) store_ = secrets::EncryptedFile(secrets::defaultStorePath(), secrets::passphrase(false)).load();
      auto it = store_->find(name);
      if (it == store_->end()) {
        fail(node, key, "secret " + name + " is not in " + secrets::defaultStorePath() + " (moat secret set " + name + ")");
        return std::nullopt;
      }
      return it->second;
    } catch (const std::runtime_error& e) {
      fail(node, key, "secret " + name + ": " + e.what());
      return std::nullopt;
    }
  }

  std::string file_;
  std::string baseDir_;
  std::vector<ConfigError>& errors_;
  std::optional<std::map<std::string, std::string>> store_;
};

void readListener(Reader& r, const YAML::Node& node, ListenerConfig& out) {
  const std::string path = "listen";
  if (!r.expectMap(node, path)) return;
  r.allowOnly(node, path, {"address", "port", "threads", "max_queued", "body_limit", "allowed_hosts", "allowed_origins", "tls",
                           "shutdown_grace", "request_head_timeout", "request_body_timeout", "keep_alive_timeout",
                           "max_connections", "max_connections_per_client", "requests_per_second_per_subject",
                           "burst_per_subject", "streams_per_session", "sessions_per_subject", "session_idle_timeout"});
  r.string(node, path, "address", out.address);
  r.integer(node, path, "port", 0, 65535, out.port);
  r.integer(node, path, "threads", 2, 65536, out.threads);
  r.integer(node, path, "max_queued", 1, 1'000'000, out.maxQueued);
  r.bytes(node, path, "body_limit", out.bodyLimitBytes);
  r.stringList(node, path, "allowed_hosts", out.allowedHosts);
  r.stringList(node, path, "allowed_origins", out.allowedOrigins);
  r.duration(node, path, "shutdown_grace", out.shutdownGraceMs);
  r.duration(node, path, "request_head_timeout", out.requestHeadTimeoutMs);
  r.duration(node, path, "request_body_timeout", out.requestBodyTimeoutMs);
  r.duration(node, path, "keep_alive_timeout", out.keepAliveTimeoutMs);
  r.integer(node, path, "max_connections", 1, 10'000'000, out.maxConnections);
  r.integer(node, path, "max_connections_per_client", 1, 10'000'000, out.maxConnectionsPerClient);
  int rate = static_cast<int>(out.requestsPerSecondPerSubject), burst = static_cast<int>(out.burstPerSubject);
  r.integer(node, path, "requests_per_second_per_subject", 0, 10'000'000, rate);
  r.integer(node, path, "burst_per_subject", 1, 10'000'000, burst);
  out.requestsPerSecondPerSubject = rate;
  out.burstPerSubject = burst;
  r.integer(node, path, "streams_per_session", 1, 100'000, out.streamsPerSession);
  r.integer(node, path, "sessions_per_subject", 1, 10'000'000, out.sessionsPerSubject);
  r.duration(node, path, "session_idle_timeout", out.sessionIdleTimeoutMs);
  YAML::Node tls = node["tls"];
  if (tls.IsDefined() && !tls.IsNull() && r.expectMap(tls, "listen.tls")) {
    r.allowOnly(tls, "listen.tls", {"cert_file", "key_file"});
    bool hasCert = r.string(tls, "listen.tls", "cert_file", out.tls.certFile);
    bool hasKey = r.string(tls, "listen.tls", "key_file", out.tls.keyFile);
    if (hasCert != hasKey) r.fail(tls, "listen.tls", "cert_file and key_file go together");
    out.tls.certFile = r.resolvePath(out.tls.certFile);
    out.tls.keyFile = r.resolvePath(out.tls.keyFile);
  }
}

void readDiagnostics(Reader& r, const YAML::Node& node, DiagnosticsConfig& out) {
  if (!r.expectMap(node, "diagnostics")) return;
  r.allowOnly(node, "diagnostics", {"address", "port"});
  r.string(node, "diagnostics", "address", out.address);
  out.port = 9464;  // the section alone turns the listener on, on the port Prometheus exporters use
  r.integer(node, "diagnostics", "port", 0, 65535, out.port);
}

void readReplicas(Reader& r, const YAML::Node& node, ReplicasConfig& out) {
  const std::string path = "sessions.replicas";
  if (!r.expectMap(node, path)) return;
  r.allowOnly(node, path, {"address", "port", "advertise", "secret_file", "connect_timeout"});
  r.string(node, path, "address", out.address);
  if (!node["port"].IsDefined()) r.fail(node, path + ".port", "missing required value: the internal listener's TCP port");
  r.integer(node, path, "port", 1, 65535, out.port);
  if (!r.string(node, path, "secret_file", out.secretFile))
    r.fail(node, path + ".secret_file", "missing required value: a file holding the key replicas sign forwarded requests with");
  else
    out.secretFile = r.resolvePath(out.secretFile);
  r.duration(node, path, "connect_timeout", out.connectTimeoutMs);
  const bool wildcard = out.address == "0.0.0.0" || out.address == "::" || out.address.empty();
  if (r.string(node, path, "advertise", out.advertise)) {
    if (out.advertise.rfind("http://", 0) != 0) r.fail(node["advertise"], path + ".advertise", "expected an http:// URL other replicas reach this one at");
    while (!out.advertise.empty() && out.advertise.back() == '/') out.advertise.pop_back();
  } else if (wildcard) {
    r.fail(node, path + ".advertise", "missing required value: with a wildcard address other replicas need the URL to reach this one (e.g. http://${POD_IP}:" +
                                          std::to_string(out.port) + ")");
  } else {
    const bool v6 = out.address.find(':') != std::string::npos;
    out.advertise = "http://" + (v6 ? "[" + out.address + "]" : out.address) + ":" + std::to_string(out.port);
  }
}

void readTracing(Reader& r, const YAML::Node& node, TracingConfig& out) {
  const std::string path = "tracing";
  if (!r.expectMap(node, path)) return;
  r.allowOnly(node, path, {"endpoint", "protocol", "service_name", "sample_ratio", "accept_traceparent", "queue_size", "batch_size",
                           "export_interval", "timeout", "headers"});
  if (!r.string(node, path, "endpoint", out.endpoint)) r.fail(node, path + ".endpoint", "missing required value: the collector's OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces");
  else if (out.endpoint.rfind("http://", 0) != 0 && out.endpoint.rfind("https://", 0) != 0)
    r.fail(node["endpoint"], path + ".endpoint", "expected an http:// or https:// URL");
  // The names OTEL_EXPORTER_OTLP_PROTOCOL uses; grpc is not offered.
  if (r.string(node, path, "protocol", out.protocol) && out.protocol != "http/protobuf" && out.protocol != "http/json")
    r.fail(node["protocol"], path + ".protocol", "expected http/protobuf or http/json");
  r.string(node, path, "service_name", out.serviceName);
  if (node["sample_ratio"].IsDefined()) {
    try {
      out.sampleRatio = node["sample_ratio"].as<double>();
      if (out.sampleRatio < 0 || out.sampleRatio > 1) throw YAML::Exception(node["sample_ratio"].Mark(), "range");
    } catch (const YAML::Exception&) {
      r.fail(node["sample_ratio"], path + ".sample_ratio", "expected a number from 0 to 1");
    }
  }
  r.boolean(node, path, "accept_traceparent", out.acceptTraceparent);
  r.integer(node, path, "queue_size", 1, 10'000'000, out.queueSize);
  r.integer(node, path, "batch_size", 1, 100'000, out.batchSize);
  r.duration(node, path, "export_interval", out.exportIntervalMs);
  r.duration(node, path, "timeout", out.timeoutMs);
  YAML::Node headers = node["headers"];
  if (headers.IsDefined() && !headers.IsNull() && r.expectMap(headers, path + ".headers"))
    for (const auto& entry : headers) {
      std::string value;
      if (r.string(headers, path + ".headers", entry.first.Scalar().c_str(), value)) out.headers.emplace_back(entry.first.Scalar(), value);
    }
}

void readLog(Reader& r, const YAML::Node& node, LogConfig& out) {
  if (!r.expectMap(node, "log")) return;
  r.allowOnly(node, "log", {"format", "level"});
  r.string(node, "log", "format", out.format);
  r.string(node, "log", "level", out.level);
  if (out.format != "text" && out.format != "json") r.fail(node["format"], "log.format", "expected text or json");
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
  if (!levels.count(out.level)) r.fail(node["level"], "log.level", "expected trace, debug, info, warn or error");
}

void readPlugins(Reader& r, const YAML::Node& node, PluginsConfig& out) {
  if (!r.expectMap(node, "plugins")) return;
  r.allowOnly(node, "plugins", {"search_path", "files"});
  r.stringList(node, "plugins", "search_path", out.searchPath);
  r.stringList(node, "plugins", "files", out.files);
  for (auto& p : out.searchPath) p = r.resolvePath(p);
  for (auto& f : out.files) f = r.resolvePath(f);
}

// "HOST:CONTAINER[:ro|rw]", read-only unless marked rw; the host path relative to the file.
void readVolumes(Reader& r, const YAML::Node& upstream, const std::string& upstreamPath, std::vector<VolumeMount>& out) {
  std::vector<std::string> specs;
  r.stringList(upstream, upstreamPath, "volumes", specs);
  const YAML::Node node = upstream["volumes"];
  const std::string path = upstreamPath + ".volumes";
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string where = path + "[" + std::to_string(i) + "]";
    const std::string& spec = specs[i];
    size_t first = spec.find(':');
    size_t second = first == std::string::npos ? std::string::npos : spec.find(':', first + 1);
    VolumeMount mount;
    mount.source = spec.substr(0, first);
    mount.target = first == std::string::npos ? "" : spec.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    std::string mode = second == std::string::npos ? "ro" : spec.substr(second + 1);
    if (mount.source.empty() || mount.target.empty() || mount.target[0] != '/' || (mode != "ro" && mode != "rw")) {
      r.fail(node[i], where, "expected HOST_PATH:/CONTAINER_PATH[:ro|rw], got '" + spec + "'");
      continue;
    }
    mount.source = r.resolvePath(mount.source);
    mount.writable = mode == "rw";
    out.push_back(std::move(mount));
  }
}

// The keys every stdio upstream shares, and a container's (image, volumes, runtime settings).
void readRunKeys(Reader& r, const YAML::Node& node, const std::string& path, UpstreamConfig& out, bool hasImage) {
  r.stringList(node, path, "args", out.args);
  if (r.string(node, path, "workdir", out.workdir) && !hasImage) out.workdir = r.resolvePath(out.workdir);
  r.string(node, path, "runtime", out.runtime);
  if (hasImage && out.runtime == "runtime-process")
    r.fail(node["image"], path + ".image", "an image needs a container runtime: add runtime: runtime-docker (or runtime-podman)");
  if (!hasImage && node["volumes"].IsDefined()) r.fail(node["volumes"], path + ".volumes", "volumes are for a container image (upstream.image)");
  readVolumes(r, node, path, out.volumes);
  YAML::Node runtimeConfig = node["runtime_config"];
  if (runtimeConfig.IsDefined() && !runtimeConfig.IsNull()) {
    if (!runtimeConfig.IsMap()) r.fail(runtimeConfig, path + ".runtime_config", "expected a mapping of the runtime plugin's settings");
    else out.runtimeConfigJson = r.toJson(runtimeConfig, path + ".runtime_config");
  }
  YAML::Node restart = node["restart"];
  if (restart.IsDefined() && !restart.IsNull()) {
    if (!restart.IsMap()) r.fail(restart, path + ".restart", "expected a mapping (backoff, max_backoff, failures)");
    else {
      r.allowOnly(restart, path + ".restart", {"backoff", "max_backoff", "failures"});
      r.duration(restart, path + ".restart", "backoff", out.restart.backoffMs);
      r.duration(restart, path + ".restart", "max_backoff", out.restart.maxBackoffMs);
      r.integer(restart, path + ".restart", "failures", 1, 1000, out.restart.failuresBeforeFailed);
    }
  }
  YAML::Node isolation = node["isolation"];
  if (isolation.IsDefined() && !isolation.IsNull()) {
    if (!isolation.IsMap()) r.fail(isolation, path + ".isolation", "expected a mapping (network, writable, hide)");
    else {
      if (hasImage) r.allowOnly(isolation, path + ".isolation", {"network", "memory", "cpus", "pids", "user", "read_only", "tmpfs_size", "egress"});
      else r.allowOnly(isolation, path + ".isolation", {"network", "writable", "readable", "hide"});
      out.isolationJson = r.toJson(isolation, path + ".isolation");
    }
  }
  YAML::Node env = node["env"];
  if (env.IsDefined() && !env.IsNull()) {
    if (!env.IsMap()) r.fail(env, path + ".env", "expected a mapping of variable names to values");
    else
      for (const auto& entry : env) {
        std::string key = path + ".env." + entry.first.Scalar();
        if (!entry.second.IsScalar()) r.fail(entry.second, key, "expected a string");
        else out.env.emplace_back(entry.first.Scalar(), r.expand(entry.second, key, entry.second.Scalar()));
      }
  }
}

void readUpstream(Reader& r, const YAML::Node& node, const std::string& path, UpstreamConfig& out) {
  if (!r.expectMap(node, path)) return;
  r.allowOnly(node, path, {"url", "transport", "timeout", "connect_timeout", "command", "args", "env", "workdir", "runtime", "idle_timeout", "mode",
                           "isolation", "restart", "dispatch", "image", "volumes", "runtime_config", "target_port", "target_path"});
  std::string transport = "streamable-http";
  r.string(node, path, "transport", transport);
  if (transport == "streamable-http") out.transport = UpstreamTransport::StreamableHttp;
  else if (transport == "sse") out.transport = UpstreamTransport::Sse;
  else if (transport == "stdio") out.transport = UpstreamTransport::Stdio;
  else r.fail(node["transport"], path + ".transport", "expected streamable-http, sse or stdio");
  const bool hasImage = r.string(node, path, "image", out.image);
  if (out.transport == UpstreamTransport::Stdio) {
    bool hasCommand = r.string(node, path, "command", out.command);
    if (!hasCommand && !hasImage) r.fail(node, path + ".command", "missing required value for transport stdio (a command, or an image for a container runtime)");
    if (node["url"].IsDefined()) r.fail(node["url"], path + ".url", "a stdio upstream has a command, not a url");
    for (const char* httpOnly : {"target_port", "target_path"})
      if (node[httpOnly].IsDefined()) r.fail(node[httpOnly], path + "." + httpOnly, "only an HTTP server in a container takes this key");
    readRunKeys(r, node, path, out, hasImage);
    r.duration(node, path, "idle_timeout", out.idleTimeoutMs);
    std::string mode = "per-session";
    if (r.string(node, path, "mode", mode) && mode != "per-session" && mode != "shared")
      r.fail(node["mode"], path + ".mode", "expected per-session or shared");
    out.shared = mode == "shared";
    std::string dispatch = "serial";
    if (r.string(node, path, "dispatch", dispatch) && dispatch != "serial" && dispatch != "parallel")
      r.fail(node["dispatch"], path + ".dispatch", "expected serial or parallel");
    if (node["dispatch"].IsDefined() && !out.shared)
      r.fail(node["dispatch"], path + ".dispatch", "only a shared stdio server (mode: shared) dispatches requests");
    out.sharedParallel = dispatch == "parallel";
  } else if (hasImage) {
    // An HTTP server in a container: Moat starts it and reaches it on its own network.
    r.string(node, path, "command", out.command);
    if (node["url"].IsDefined()) r.fail(node["url"], path + ".url", "a server in a container has an image and a target_port, not a url");
    for (const char* stdioOnly : {"idle_timeout", "mode", "dispatch"})
      if (node[stdioOnly].IsDefined()) r.fail(node[stdioOnly], path + "." + stdioOnly, "only a stdio upstream takes this key");
    readRunKeys(r, node, path, out, true);
    if (!node["target_port"].IsDefined()) r.fail(node, path + ".target_port", "missing required value: the port the server listens on in its container");
    else r.integer(node, path, "target_port", 1, 65535, out.targetPort);
    out.targetPath = out.transport == UpstreamTransport::Sse ? "/sse" : "/mcp";
    if (r.string(node, path, "target_path", out.targetPath) && (out.targetPath.empty() || out.targetPath[0] != '/'))
      r.fail(node["target_path"], path + ".target_path", "expected a path starting with /");
  } else {
    for (const char* stdioOnly : {"idle_timeout", "mode", "dispatch"})
      if (node[stdioOnly].IsDefined()) r.fail(node[stdioOnly], path + "." + stdioOnly, "only a stdio upstream takes this key");
    for (const char* runOnly : {"command", "args", "env", "workdir", "runtime", "isolation", "restart", "volumes", "runtime_config", "target_port", "target_path"})
      if (node[runOnly].IsDefined()) r.fail(node[runOnly], path + "." + runOnly, "only a stdio upstream or a server in a container (image) takes this key");
    if (!r.string(node, path, "url", out.url)) r.fail(node, path + ".url", "missing required value");
    else if (out.url.rfind("http://", 0) != 0 && out.url.rfind("https://", 0) != 0)
      r.fail(node["url"], path + ".url", "expected an http:// or https:// URL");
  }
  r.duration(node, path, "timeout", out.timeoutMs);
  r.duration(node, path, "connect_timeout", out.connectTimeoutMs);
}

void readStage(Reader& r, const YAML::Node& node, const std::string& path, StageConfig& out) {
  out.where = r.at(node, path);
  if (!r.expectMap(node, path)) return;
  r.allowOnly(node, path, {"plugin", "config"});
  if (!r.string(node, path, "plugin", out.plugin)) r.fail(node, path + ".plugin", "missing required value");
  YAML::Node config = node["config"];
  if (config.IsDefined() && !config.IsNull()) {
    if (!config.IsMap()) r.fail(config, path + ".config", "expected a mapping");
    else out.configJson = r.toJson(config, path + ".config");
  }
}

void readTools(Reader& r, const YAML::Node& node, const std::string& path, ToolsConfig& out) {
  if (!r.expectMap(node, path)) return;
  r.allowOnly(node, path, {"allow", "deny", "override"});
  r.stringList(node, path, "allow", out.allow);
  r.stringList(node, path, "deny", out.deny);
  YAML::Node overrides = node["override"];
  if (!overrides.IsDefined() || overrides.IsNull() || !r.expectMap(overrides, path + ".override")) return;
  std::set<std::string> newNames;
  for (const auto& entry : overrides) {
    ToolOverride tool;
    tool.original = entry.first.Scalar();
    const std::string where = path + ".override." + tool.original;
    if (!r.expectMap(entry.second, where)) continue;
    r.allowOnly(entry.second, where, {"name", "description"});
    r.string(entry.second, where, "name", tool.name);
    r.string(entry.second, where, "description", tool.description);
    if (tool.name.empty() && tool.description.empty()) r.fail(entry.second, where, "give a new name, a new description, or both");
    if (!tool.name.empty() && !newNames.insert(tool.name).second)
      r.fail(entry.second["name"], where + ".name", "another tool is already renamed to " + tool.name);
    out.overrides.push_back(std::move(tool));
  }
}

void readServer(Reader& r, const std::string& name, const YAML::Node& nameNode, const YAML::Node& node, ServerConfig& out) {
  const std::string path = "servers." + name;
  out.name = name;
  out.where = r.at(nameNode, path);
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
    r.fail(nameNode, path, "a server name uses only a-z, 0-9, '-' and '_'");
  if (!r.expectMap(node, path)) return;
  r.allowOnly(node, path, {"path", "upstream", "pipeline", "forward_client_authorization", "resource_url", "legacy_sse_path", "tools"});
  out.path = "/" + name + "/mcp";
  if (r.string(node, path, "path", out.path) && (out.path.empty() || out.path.front() != '/'))
    r.fail(node["path"], path + ".path", "expected a path starting with '/'");
  YAML::Node upstream = node["upstream"];
  if (!upstream.IsDefined() || upstream.IsNull()) r.fail(node, path + ".upstream", "missing required value");
  else readUpstream(r, upstream, path + ".upstream", out.upstream);
  r.boolean(node, path, "forward_client_authorization", out.forwardClientAuthorization);
  if (r.string(node, path, "legacy_sse_path", out.legacySsePath)) {
    if (out.legacySsePath.empty() || out.legacySsePath.front() != '/' || out.legacySsePath == out.path)
      r.fail(node["legacy_sse_path"], path + ".legacy_sse_path", "expected a path starting with '/', other than the server's path");
    else if (out.upstream.transport != UpstreamTransport::Stdio || out.upstream.shared)
      r.fail(node["legacy_sse_path"], path + ".legacy_sse_path", "only a per-session stdio server is offered over legacy SSE");
  }
  if (r.string(node, path, "resource_url", out.resourceUrl) && out.resourceUrl.rfind("https://", 0) != 0 &&
      out.resourceUrl.rfind("http://", 0) != 0)
    r.fail(node["resource_url"], path + ".resource_url", "expected an absolute http:// or https:// URL");
  if (node["tools"].IsDefined() && !node["tools"].IsNull()) readTools(r, node["tools"], path + ".tools", out.tools);
  YAML::Node pipeline = node["pipeline"];
  if (pipeline.IsDefined() && !pipeline.IsNull()) {
    if (!pipeline.IsSequence()) {
      r.fail(pipeline, path + ".pipeline", "expected a list of stages");
    } else {
      for (size_t i = 0; i < pipeline.size(); ++i) {
        StageConfig stage;
        readStage(r, pipeline[i], path + ".pipeline[" + std::to_string(i) + "]", stage);
        out.pipeline.push_back(std::move(stage));
      }
    }
  }
}

void readRoot(Reader& r, const YAML::Node& root, Config& config) {
  if (!root.IsMap()) { r.fail(root, "", "the configuration must be a mapping with a servers: key"); return; }
  r.allowOnly(root, "", {"listen", "diagnostics", "tracing", "log", "plugins", "sessions", "servers"});
  if (YAML::Node sessions = root["sessions"]; sessions.IsDefined() && !sessions.IsNull() && r.expectMap(sessions, "sessions")) {
    r.allowOnly(sessions, "sessions", {"store", "replicas"});
    if (sessions["store"].IsDefined() && !sessions["store"].IsNull()) readStage(r, sessions["store"], "sessions.store", config.sessions.store.emplace());
    if (sessions["replicas"].IsDefined() && !sessions["replicas"].IsNull()) {
      readReplicas(r, sessions["replicas"], config.sessions.replicas.emplace());
      // Forwarding finds a session's owner in the store; without one no replica can.
      if (!config.sessions.store) r.fail(sessions["replicas"], "sessions.replicas", "needs sessions.store: replicas find a session's owner there");
    }
  }
  if (root["tracing"].IsDefined() && !root["tracing"].IsNull()) readTracing(r, root["tracing"], config.tracing);
  if (root["listen"].IsDefined() && !root["listen"].IsNull()) readListener(r, root["listen"], config.listen);
  if (root["diagnostics"].IsDefined()) {
    if (root["diagnostics"].IsNull()) config.diagnostics.port = 9464;
    else readDiagnostics(r, root["diagnostics"], config.diagnostics);
  }
  if (root["log"].IsDefined() && !root["log"].IsNull()) readLog(r, root["log"], config.log);
  if (root["plugins"].IsDefined() && !root["plugins"].IsNull()) readPlugins(r, root["plugins"], config.plugins);
  YAML::Node servers = root["servers"];
  if (!servers.IsDefined() || servers.IsNull()) { r.fail(root, "servers", "missing required value: name at least one server"); return; }
  if (!r.expectMap(servers, "servers")) return;
  std::set<std::string> paths;
  for (const auto& entry : servers) {
    ServerConfig server;
    readServer(r, entry.first.Scalar(), entry.first, entry.second, server);
    if (!paths.insert(server.path).second) r.fail(entry.first, "servers." + server.name + ".path", "path " + server.path + " is used by another server");
    config.servers.push_back(std::move(server));
  }
}

}  // namespace

LoadResult loadText(const std::string& text, const std::string& fileName) {
  LoadResult result;
  result.config.file = fileName;
  Reader reader(fileName, result.errors);
  try {
    YAML::Node root = YAML::Load(text);
    readRoot(reader, root, result.config);
  } catch (const YAML::Exception& e) {
    result.errors.push_back({Location{fileName, e.mark.line + 1, e.mark.column + 1, ""}, "YAML syntax error: " + e.msg});
  }
  return result;
}

LoadResult loadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    LoadResult result;
    result.errors.push_back({Location{path, 0, 0, ""}, "cannot read the configuration file"});
    return result;
  }
  std::stringstream text;
  text << in.rdbuf();
  return loadText(text.str(), path);
}

}  // namespace moat::config
