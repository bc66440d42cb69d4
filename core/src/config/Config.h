// The in-memory configuration: what a YAML file (or, later, CLI flags) describes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moat/restart.hpp"

namespace moat::config {

// Where a value came from, for error messages.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;  // dotted path: servers.everything.upstream.url
};

struct TlsConfig {
  std::string certFile;
  std::string keyFile;
  bool enabled() const { return !certFile.empty(); }
  bool operator==(const TlsConfig&) const = default;
};

struct ListenerConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  // Workers serve requests; a connection holds one only while a request on it is being served
  // (an open SSE stream is one long request). Waiting connections hold none.
  int threads = 256;
  int maxQueued = 512;  // requests whose head has arrived, waiting for a worker
  int requestHeadTimeoutMs = 10000;  // a whole request head, from its first byte (or the connection's start)
  int requestBodyTimeoutMs = 30000;  // a whole request body, from the end of its head
  int keepAliveTimeoutMs = 10000;    // between an answer and the next request's first byte
  int maxConnections = 10000;
  int maxConnectionsPerClient = 1024;  // per client IP address
  // Per subject: the authenticated identity, or the client's address on a route without one.
  double requestsPerSecondPerSubject = 500;  // 0: unlimited
  double burstPerSubject = 1000;
  int streamsPerSession = 4;         // open GET streams on one session
  int sessionsPerSubject = 64;       // sessions an authenticated identity holds
  int sessionIdleTimeoutMs = 1800000;  // a session unused this long no longer counts
  size_t bodyLimitBytes = 4u << 20;
  std::vector<std::string> allowedHosts;
  std::vector<std::string> allowedOrigins;
  TlsConfig tls;
  int shutdownGraceMs = 3000;
  // A reload keeps the listener, so it refuses a configuration whose listen section differs.
  bool operator==(const ListenerConfig&) const = default;
};

// The diagnostics listener (/metrics, /healthz, /readyz), apart from the public one.
struct DiagnosticsConfig {
  std::string address = "127.0.0.1";
  int port = -1;  // -1: off; 0: a free port
  bool enabled() const { return port >= 0; }
  bool operator==(const DiagnosticsConfig&) const = default;
};

// OpenTelemetry traces (trace/Exporter.h has what each field does).
struct TracingConfig {
  std::string endpoint;  // empty: off
  std::string protocol = "http/protobuf";  // or http/json
  std::string serviceName = "moat";
  double sampleRatio = 1.0;
  bool acceptTraceparent = true;
  int queueSize = 4096;
  int batchSize = 512;
  int exportIntervalMs = 1000;
  int timeoutMs = 3000;
  std::vector<std::pair<std::string, std::string>> headers;
  bool operator==(const TracingConfig&) const = default;
};

struct LogConfig {
  std::string format = "text";
  std::string level = "info";
};

struct PluginsConfig {
  std::vector<std::string> searchPath;
  std::vector<std::string> files;
};

enum class UpstreamTransport { StreamableHttp, Sse, Stdio };

// How a shared stdio server is brought back after its process dies.
struct RestartPolicy {
  int backoffMs = 500;          // the wait before the second attempt; doubles each failure
  int maxBackoffMs = 30000;
  int failuresBeforeFailed = 5;  // consecutive failures before health says "failed"

  // The schedule every supervised upstream follows (moat/restart.hpp).
  moat::RestartSchedule schedule() const {
    moat::RestartSchedule::Policy policy;
    policy.initialMs = backoffMs;
    policy.maxMs = maxBackoffMs;
    policy.giveUpAfter = failuresBeforeFailed;
    return moat::RestartSchedule(policy);
  }
  bool operator==(const RestartPolicy&) const = default;
};

struct VolumeMount {
  std::string source;  // host path
  std::string target;  // path in the container
  bool writable = false;
  bool operator==(const VolumeMount&) const = default;
};

struct UpstreamConfig {
  std::string url;  // streamable-http and sse
  // stdio: a command run by a runtime plugin, one process per client session
  std::string command;
  std::string image;  // container runtimes: the image (or npx://PACKAGE); command overrides its entrypoint
  std::vector<VolumeMount> volumes;
  std::string runtimeConfigJson = "{}";  // the runtime plugin's own settings (runtime_config)
  int targetPort = 0;                     // an HTTP server in a container: the port it listens on
  std::string targetPath;                 // ... and its MCP endpoint (default /mcp, /sse for sse)
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string workdir;
  std::string runtime = "runtime-process";
  int idleTimeoutMs = 30 * 60 * 1000;  // a stdio session with no traffic this long is ended
  bool shared = false;                 // mode: shared (one process for every session) or per-session
  // Shared mode: one client request in the process at a time (every server message during it
  // belongs to it), or several at once (faster; attribution of server requests is a guess).
  bool sharedParallel = false;
  std::string isolationJson;  // runtime isolation settings as JSON; empty: none
  RestartPolicy restart;
  UpstreamTransport transport = UpstreamTransport::StreamableHttp;
  int timeoutMs = 30000;
  int connectTimeoutMs = 5000;
  // A reload keeps a server's upstream (its processes and sessions) when this is unchanged.
  bool operator==(const UpstreamConfig&) const = default;
};

struct StageConfig {
  std::string plugin;
  std::string configJson = "{}";
  Location where;
};

// Which of the server's tools clients see, and under which names: allow and deny name tools as
// clients know them (after a rename); a renamed tool answers to its new name only.
struct ToolOverride {
  std::string original;  // the name the server gives the tool
  std::string name;      // empty: kept
  std::string description;  // empty: kept
};

struct ToolsConfig {
  std::vector<std::string> allow;  // empty: every tool not denied
  std::vector<std::string> deny;
  std::vector<ToolOverride> overrides;
  bool active() const { return !allow.empty() || !deny.empty() || !overrides.empty(); }
};

struct ServerConfig {
  std::string name;
  std::string path;  // the MCP endpoint on the listener
  UpstreamConfig upstream;
  bool forwardClientAuthorization = false;
  // Also serve the 2024-11-05 HTTP+SSE transport to clients: GET here opens the stream, POSTs go
  // to this path + "/messages". Empty: off. Per-session stdio servers only.
  std::string legacySsePath;
  // RFC 9728 `resource` (what tokens' audience must name); derived from each request when empty.
  std::string resourceUrl;
  ToolsConfig tools;
  std::vector<StageConfig> pipeline;
  Location where;
};

// Where replicas of one gateway share what they know about MCP sessions (`sessions:`): absent,
// each process keeps its own.
// `sessions.replicas`: the internal listener on which a replica serves the sessions bound to its
// own processes when another replica forwards them, and how the others reach it.
struct ReplicasConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string advertise;   // the URL other replicas use, e.g. http://10.0.3.7:8181
  std::string secretFile;  // the key every replica signs and checks forwarded requests with
  int connectTimeoutMs = 2000;  // an owner not reached within it is gone: its sessions get 404
  bool operator==(const ReplicasConfig&) const = default;
};

struct SessionsConfig {
  std::optional<StageConfig> store;  // a session store plugin and its configuration
  std::optional<ReplicasConfig> replicas;
  bool operator==(const SessionsConfig& other) const {
    return store.has_value() == other.store.has_value() &&
           (!store || (store->plugin == other.store->plugin && store->configJson == other.store->configJson)) &&
           replicas == other.replicas;
  }
};

struct Config {
  std::string file;
  ListenerConfig listen;
  SessionsConfig sessions;
  DiagnosticsConfig diagnostics;
  TracingConfig tracing;
  LogConfig log;
  PluginsConfig plugins;
  std::vector<ServerConfig> servers;
};

}  // namespace moat::config
