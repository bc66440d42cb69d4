#include <catch2/catch.hpp>

#include <cstdlib>

#include "config/ConfigLoader.h"

using moat::config::loadText;

namespace {
std::string allErrors(const moat::config::LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.format() + "\n";
  return out;
}
}  // namespace

TEST_CASE("a complete file loads with defaults filled in") {
  auto r = loadText(R"(
listen:
  port: 9000
  body_limit: 1MiB
servers:
  everything:
    upstream:
      url: http://127.0.0.1:3001/mcp
      timeout: 2s
    pipeline:
      - plugin: stage-headers
        config:
          set: {X-A: "1", X-B: yes}
          count: 3
)", "pipeline.yaml");
  INFO(allErrors(r));
  REQUIRE(r.ok());
  const auto& s = r.config.servers.at(0);
  CHECK(r.config.listen.port == 9000);
  CHECK(r.config.listen.bodyLimitBytes == 1u << 20);
  CHECK(s.path == "/everything/mcp");
  CHECK(s.upstream.timeoutMs == 2000);
  CHECK_FALSE(s.forwardClientAuthorization);
  CHECK(s.pipeline.at(0).configJson == R"({"set":{"X-A":"1","X-B":true},"count":3})");
}

TEST_CASE("every error names file, line, column and key") {
  auto r = loadText(R"(listen:
  port: seventy
  colour: blue
  adress: 127.0.0.1
servers:
  a:
    upstream:
      url: ftp://x
      transport: carrier-pigeon
    pipeline:
      - config: {}
)", "bad.yaml");
  std::string errors = allErrors(r);
  INFO(errors);
  CHECK_THAT(errors, Catch::Contains("bad.yaml:2:9: listen.port: expected a whole number from 0 to 65535"));
  CHECK_THAT(errors, Catch::Contains("bad.yaml:3:3: listen.colour: unknown key (expected one of:"));
  CHECK_THAT(errors, Catch::Contains("bad.yaml:4:3: listen.adress: unknown key (did you mean 'address'? expected one of:"));
  CHECK_THAT(errors, Catch::Contains("bad.yaml:8:12: servers.a.upstream.url: expected an http:// or https:// URL"));
  CHECK_THAT(errors, Catch::Contains("servers.a.upstream.transport: expected streamable-http, sse or stdio"));
  CHECK_THAT(errors, Catch::Contains("bad.yaml:11:9: servers.a.pipeline[0].plugin: missing required value"));
  CHECK(r.errors.size() == 6);
}

TEST_CASE("a YAML syntax error names its line") {
  auto r = loadText("servers:\n  a: [unclosed\n", "syntax.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].format(), Catch::StartsWith("syntax.yaml:") && Catch::Contains("YAML syntax error"));
}

TEST_CASE("a missing servers key and a missing upstream are errors") {
  CHECK_THAT(allErrors(loadText("listen: {port: 1}\n", "f.yaml")), Catch::Contains("servers: missing required value"));
  CHECK_THAT(allErrors(loadText("servers:\n  a: {}\n", "f.yaml")), Catch::Contains("servers.a.upstream: missing required value"));
}

TEST_CASE("two servers on one path are refused") {
  auto r = loadText(R"(servers:
  a: {path: /mcp, upstream: {url: "http://h/a"}}
  b: {path: /mcp, upstream: {url: "http://h/b"}}
)", "f.yaml");
  CHECK_THAT(allErrors(r), Catch::Contains("path /mcp is used by another server"));
}

TEST_CASE("environment references are expanded and an unset one is an error") {
  ::setenv("MOAT_TEST_UPSTREAM", "http://127.0.0.1:4000/mcp", 1);
  auto ok = loadText("servers:\n  a:\n    upstream: {url: \"${MOAT_TEST_UPSTREAM}\"}\n", "env.yaml");
  REQUIRE(ok.ok());
  CHECK(ok.config.servers[0].upstream.url == "http://127.0.0.1:4000/mcp");
  auto bad = loadText("servers:\n  a:\n    upstream: {url: \"${MOAT_TEST_UNSET_VARIABLE}\"}\n", "env.yaml");
  CHECK_THAT(allErrors(bad), Catch::Contains("environment variable MOAT_TEST_UNSET_VARIABLE is not set"));
}

TEST_CASE("relative plugin paths resolve against the configuration file's directory") {
  auto r = loadText("plugins: {search_path: [plugins]}\nservers:\n  a: {upstream: {url: \"http://h/\"}}\n", "/etc/moat/moat.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.plugins.searchPath.at(0) == "/etc/moat/plugins");
}

TEST_CASE("a stage's *_file and *_files paths resolve against the configuration file's directory") {
  auto r = loadText(
      "servers:\n  a:\n    upstream: {url: \"http://h/\"}\n    pipeline:\n"
      "      - plugin: auth-oidc\n        config: {client_secret_file: ../secrets/oidc/s, policy_files: [a.cedar, /abs/b.cedar], client_id: x/y}\n",
      "/etc/moat/config/pipeline.yaml");
  REQUIRE(r.ok());
  CHECK(r.config.servers.at(0).pipeline.at(0).configJson ==
        R"({"client_secret_file":"/etc/moat/config/../secrets/oidc/s","policy_files":["/etc/moat/config/a.cedar","/abs/b.cedar"],"client_id":"x/y"})");
}

TEST_CASE("an unreadable file is reported by name") {
  auto r = moat::config::loadFile("/nonexistent/moat.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].format() == "/nonexistent/moat.yaml: cannot read the configuration file");
}

TEST_CASE("a stdio upstream takes a command, not a url, and resolves its workdir") {
  auto ok = loadText(R"(servers:
  t:
    upstream:
      transport: stdio
      command: uvx
      args: [mcp-server-time, --local-timezone, UTC]
      env: {TZ: UTC}
      workdir: servers
)", "/etc/moat/moat.yaml");
  INFO(allErrors(ok));
  REQUIRE(ok.ok());
  const auto& up = ok.config.servers[0].upstream;
  CHECK(up.transport == moat::config::UpstreamTransport::Stdio);
  CHECK(up.command == "uvx");
  CHECK(up.args.size() == 3);
  CHECK(up.env.at(0) == std::make_pair(std::string("TZ"), std::string("UTC")));
  CHECK(up.workdir == "/etc/moat/servers");
  CHECK(up.runtime == "runtime-process");

  auto bad = loadText(R"(servers:
  a: {upstream: {transport: stdio, url: "http://h/"}}
  b: {upstream: {url: "http://h/", command: node}}
)", "f.yaml");
  std::string errors = allErrors(bad);
  CHECK_THAT(errors, Catch::Contains("servers.a.upstream.command: missing required value for transport stdio"));
  CHECK_THAT(errors, Catch::Contains("servers.a.upstream.url: a stdio upstream has a command, not a url"));
  CHECK_THAT(errors, Catch::Contains("servers.b.upstream.command: only a stdio upstream or a server in a container (image) takes this key"));
}

TEST_CASE("stdio mode and isolation are read and checked") {
  auto ok = loadText(R"(
servers:
  time:
    upstream: {transport: stdio, command: uvx, mode: shared, isolation: {network: false, writable: [/srv/data]},
               restart: {backoff: 1s, max_backoff: 1m, failures: 8}}
)", "stdio.yaml");
  INFO(allErrors(ok));
  REQUIRE(ok.ok());
  CHECK(ok.config.servers.at(0).upstream.shared);
  CHECK(ok.config.servers.at(0).upstream.isolationJson == R"({"network":false,"writable":["/srv/data"]})");
  CHECK(ok.config.servers.at(0).upstream.restart.backoffMs == 1000);
  CHECK(ok.config.servers.at(0).upstream.restart.maxBackoffMs == 60000);
  CHECK(ok.config.servers.at(0).upstream.restart.failuresBeforeFailed == 8);

  auto bad = loadText(R"(
servers:
  time:
    upstream: {transport: stdio, command: uvx, mode: pooled, isolation: {netwrk: false}, dispatch: sometimes}
  web:
    legacy_sse_path: /web/sse
    upstream: {url: "http://127.0.0.1:1/mcp", mode: shared}
)", "stdio.yaml");
  std::string errors = allErrors(bad);
  CHECK_THAT(errors, Catch::Contains("servers.time.upstream.mode: expected per-session or shared"));
  CHECK_THAT(errors, Catch::Contains("servers.time.upstream.isolation.netwrk"));
  CHECK_THAT(errors, Catch::Contains("servers.time.upstream.dispatch: expected serial or parallel"));
  CHECK_THAT(errors, Catch::Contains("servers.web.upstream.mode: only a stdio upstream takes this key"));
  CHECK_THAT(errors, Catch::Contains("servers.web.legacy_sse_path: only a per-session stdio server is offered over legacy SSE"));
}

TEST_CASE("a container upstream takes an image, volumes, container isolation and runtime settings") {
  auto ok = loadText(R"(
servers:
  everything:
    upstream:
      transport: stdio
      runtime: runtime-podman
      runtime_config: {socket: "unix:///run/podman/podman.sock"}
      image: npx://@modelcontextprotocol/server-everything
      args: [stdio]
      volumes: ["data:/data", "/srv/out:/out:rw"]
      isolation: {memory: 256m, pids: 64, network: false}
)", "containers.yaml");
  INFO(allErrors(ok));
  REQUIRE(ok.ok());
  const auto& up = ok.config.servers.at(0).upstream;
  CHECK(up.image == "npx://@modelcontextprotocol/server-everything");
  CHECK(up.command.empty());
  CHECK(up.runtimeConfigJson == R"({"socket":"unix:///run/podman/podman.sock"})");
  REQUIRE(up.volumes.size() == 2);
  CHECK(up.volumes[0].source.size() > 5);  // resolved against the file's directory
  CHECK(up.volumes[0].source.substr(up.volumes[0].source.size() - 5) == "/data");
  CHECK(up.volumes[0].target == "/data");
  CHECK_FALSE(up.volumes[0].writable);
  CHECK(up.volumes[1].writable);
  CHECK(up.isolationJson == R"({"memory":"256m","pids":64,"network":false})");

  auto bad = loadText(R"(
servers:
  a:
    upstream: {transport: stdio, image: "busybox:1"}
  b:
    upstream: {transport: stdio, runtime: runtime-docker, image: "busybox:1", volumes: ["/x"], isolation: {writable: [/srv]}}
  c:
    upstream: {transport: stdio, command: node, volumes: ["/x:/y"]}
  d:
    upstream: {transport: stdio, runtime: runtime-docker}
)", "containers.yaml");
  std::string errors = allErrors(bad);
  CHECK_THAT(errors, Catch::Contains("servers.a.upstream.image: an image needs a container runtime"));
  CHECK_THAT(errors, Catch::Contains("servers.b.upstream.volumes[0]: expected HOST_PATH:/CONTAINER_PATH[:ro|rw]"));
  CHECK_THAT(errors, Catch::Contains("servers.b.upstream.isolation.writable"));
  CHECK_THAT(errors, Catch::Contains("servers.c.upstream.volumes: volumes are for a container image"));
  CHECK_THAT(errors, Catch::Contains("servers.d.upstream.command: missing required value for transport stdio"));
}

TEST_CASE("an HTTP server in a container takes an image and a target port instead of a url") {
  auto ok = loadText(R"(
servers:
  web:
    upstream: {transport: streamable-http, runtime: runtime-docker, image: "npx://@modelcontextprotocol/server-everything",
               args: [streamableHttp], env: {PORT: "3001"}, target_port: 3001, isolation: {egress: ["api.github.com:443"]}}
  legacy:
    upstream: {transport: sse, runtime: runtime-docker, image: "acme/sse:1", target_port: 8000}
)", "http-containers.yaml");
  INFO(allErrors(ok));
  REQUIRE(ok.ok());
  CHECK(ok.config.servers.at(0).upstream.targetPort == 3001);
  CHECK(ok.config.servers.at(0).upstream.targetPath == "/mcp");
  CHECK(ok.config.servers.at(0).upstream.url.empty());
  CHECK(ok.config.servers.at(1).upstream.targetPath == "/sse");

  auto bad = loadText(R"(
servers:
  a:
    upstream: {transport: streamable-http, runtime: runtime-docker, image: "x:1"}
  b:
    upstream: {transport: streamable-http, runtime: runtime-docker, image: "x:1", target_port: 70000, url: "http://x/mcp", mode: shared}
  c:
    upstream: {transport: stdio, command: node, target_port: 3000}
)", "http-containers.yaml");
  std::string errors = allErrors(bad);
  CHECK_THAT(errors, Catch::Contains("servers.a.upstream.target_port: missing required value"));
  CHECK_THAT(errors, Catch::Contains("servers.b.upstream.target_port"));
  CHECK_THAT(errors, Catch::Contains("servers.b.upstream.url: a server in a container has an image and a target_port"));
  CHECK_THAT(errors, Catch::Contains("servers.b.upstream.mode: only a stdio upstream takes this key"));
  CHECK_THAT(errors, Catch::Contains("servers.c.upstream.target_port: only an HTTP server in a container takes this key"));
}

TEST_CASE("the diagnostics section turns its listener on, on 9464 unless it names a port") {
  const char* servers = "servers:\n  a: {upstream: {url: http://127.0.0.1:1/mcp}}\n";
  CHECK_FALSE(loadText(servers, "off.yaml").config.diagnostics.enabled());
  auto bare = loadText(std::string("diagnostics:\n") + servers, "bare.yaml");
  CHECK(bare.config.diagnostics.port == 9464);
  auto named = loadText(std::string("diagnostics: {address: 0.0.0.0, port: 9100}\n") + servers, "named.yaml");
  CHECK(named.config.diagnostics.port == 9100);
  CHECK(named.config.diagnostics.address == "0.0.0.0");
  auto bad = loadText(std::string("diagnostics:\n  prot: 9100\n") + servers, "bad.yaml");
  CHECK_THAT(allErrors(bad), Catch::Contains("bad.yaml:2:3: diagnostics.prot: unknown key (did you mean 'port'?"));
}

TEST_CASE("a tool view loads, and its mistakes name file, line and key") {
  auto good = loadText(R"(servers:
  a:
    upstream: {url: "http://127.0.0.1:1/mcp"}
    tools:
      allow: [say]
      deny: [rm]
      override:
        echo: {name: say, description: "Repeats"}
)", "tools.yaml");
  INFO(allErrors(good));
  REQUIRE(good.errors.empty());
  const auto& tools = good.config.servers.at(0).tools;
  CHECK(tools.allow == std::vector<std::string>{"say"});
  CHECK(tools.deny == std::vector<std::string>{"rm"});
  REQUIRE(tools.overrides.size() == 1);
  CHECK(tools.overrides[0].original == "echo");
  CHECK(tools.overrides[0].name == "say");
  CHECK(tools.overrides[0].description == "Repeats");

  auto bad = loadText(R"(servers:
  a:
    upstream: {url: "http://127.0.0.1:1/mcp"}
    tools:
      allowed: [say]
      override:
        echo: {name: say}
        shout: {name: say}
        quiet: {}
)", "tools.yaml");
  std::string errors = allErrors(bad);
  INFO(errors);
  CHECK_THAT(errors, Catch::Contains("tools.yaml:5:7: servers.a.tools.allowed: unknown key (did you mean 'allow'?"));
  CHECK_THAT(errors, Catch::Contains("tools.yaml:8:23: servers.a.tools.override.shout.name: another tool is already renamed to say"));
  CHECK_THAT(errors, Catch::Contains("tools.yaml:9:16: servers.a.tools.override.quiet: give a new name, a new description, or both"));
  CHECK(bad.errors.size() == 3);
}

TEST_CASE("sessions.replicas: the internal listener, its advertised URL and key, and what is missing") {
  auto good = loadText(R"(sessions:
  store: {plugin: session-redis, config: {url: "redis://127.0.0.1:6379/0"}}
  replicas: {address: 10.0.3.7, port: 8181, secret_file: keys/replicas, connect_timeout: 500ms}
servers:
  a: {upstream: {transport: stdio, command: node}}
)", "/etc/moat/pipeline.yaml");
  INFO(allErrors(good));
  REQUIRE(good.ok());
  const auto& replicas = good.config.sessions.replicas.value();
  CHECK(replicas.advertise == "http://10.0.3.7:8181");
  CHECK(replicas.secretFile == "/etc/moat/keys/replicas");
  CHECK(replicas.connectTimeoutMs == 500);

  auto wildcard = loadText(R"(sessions:
  replicas: {address: 0.0.0.0, port: 8181}
servers:
  a: {upstream: {transport: stdio, command: node}}
)", "r.yaml");
  std::string errors = allErrors(wildcard);
  INFO(errors);
  CHECK_THAT(errors, Catch::Contains("r.yaml:2:13: sessions.replicas.secret_file: missing required value"));
  CHECK_THAT(errors, Catch::Contains("sessions.replicas.advertise: missing required value: with a wildcard address"));
  CHECK_THAT(errors, Catch::Contains("r.yaml:2:13: sessions.replicas: needs sessions.store"));
}
