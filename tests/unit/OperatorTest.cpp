#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "kube/ClusterAccess.h"
#include "operator/GatewayPipeline.h"
#include "operator/ServerSpec.h"
#include "operator/WorkQueue.h"

using namespace moat;
using namespace moat::op;

namespace {

json::Value server(const std::string& spec) {
  return json::parse(R"({"metadata":{"name":"weather","namespace":"tools","uid":"u-1","generation":3},"spec":)" + spec + "}");
}

std::string tempFile(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("MCPServer: ToolHive's ports, including the older names, and defaults") {
  ServerSpec plain = readServerSpec(server(R"({"image":"x:1"})"));
  CHECK(plain.proxyPort == 8080);
  CHECK(plain.mcpPort == 8080);
  CHECK(plain.transport == "streamable-http");
  CHECK(plain.unsupported.empty());
  ServerSpec old = readServerSpec(server(R"({"image":"x:1","port":9000,"targetPort":3000})"));
  CHECK(old.proxyPort == 9000);
  CHECK(old.mcpPort == 3000);
}

TEST_CASE("MCPServer: every field moat does not act on is listed, none dropped") {
  ServerSpec spec = readServerSpec(server(
      R"({"image":"x:1","transport":"stdio","authzConfig":{"type":"inline"},"audit":{"enabled":true},
          "oidcConfig":{"type":"kubernetes","kubernetes":{}}})"));
  const std::string all = [&] { std::string out; for (const auto& u : spec.unsupported) out += u + "\n"; return out; }();
  CHECK_THAT(all, Catch::Contains("spec.authzConfig is not supported"));
  CHECK_THAT(all, Catch::Contains("spec.audit is not supported"));
  CHECK_THAT(all, Catch::Contains("spec.transport: stdio"));
  CHECK_THAT(all, Catch::Contains("spec.oidcConfig.type: only 'inline'"));
  CHECK_THAT(all, Catch::Contains("spec.oidcConfig.kubernetes is not supported"));
}

TEST_CASE("MCPExternalAuthConfig: Google's STS needs no client secret, RFC 8693 mounts its own") {
  ServerSpec spec = readServerSpec(server(
      R"({"image":"x:1","oidcConfig":{"type":"inline","inline":{"issuer":"https://idp","clientSecretRef":{"name":"oidc","key":"s"}}}})"));
  auto google = readExternalAuthSpec(json::parse(
      R"({"metadata":{"name":"g"},"spec":{"type":"tokenExchange","tokenExchange":{"tokenUrl":"https://sts.googleapis.com/v1/token",
          "audience":"//iam.googleapis.com/locations/global/workforcePools/p/providers/q","clientSecretRef":{"name":"unused","key":"k"}}}})"));
  auto rfc = readExternalAuthSpec(json::parse(
      R"({"metadata":{"name":"r"},"spec":{"type":"tokenExchange","tokenExchange":{"tokenUrl":"https://idp/token","audience":"backend",
          "clientId":"gw","clientSecretRef":{"name":"exchanger","key":"secret"}}}})"));
  CHECK(referencedSecrets(spec, google).size() == 1);
  REQUIRE(referencedSecrets(spec, rfc).size() == 2);
  CHECK(referencedSecrets(spec, rfc)[1].name == "exchanger");
  CHECK_THAT(gatewayPipeline(spec, google), Catch::Contains("plugin: exchange-google-sts"));
  CHECK_THAT(gatewayPipeline(spec, rfc), Catch::Contains("client_secret_file: \"../secrets/exchanger/secret\""));
  auto header = readExternalAuthSpec(json::parse(R"({"metadata":{"name":"h"},"spec":{"type":"headerInjection"}})"));
  REQUIRE(header.unsupported.size() == 1);
  CHECK_THAT(header.unsupported[0], Catch::Contains("'headerInjection' is not supported"));
}

TEST_CASE("the gateway pipeline: values from the resource cannot change the YAML's structure") {
  ServerSpec spec = readServerSpec(server(
      R"({"image":"x:1","oidcConfig":{"type":"inline","resourceUrl":"https://a\"\n  evil: true","inline":{"issuer":"https://idp\nlisten: {port: 1}","audience":"a: b"}}})"));
  YAML::Node doc = YAML::Load(gatewayPipeline(spec, std::nullopt));
  CHECK(doc["listen"]["port"].as<int>() == 8080);
  YAML::Node route = doc["servers"]["weather"];
  CHECK(route["resource_url"].as<std::string>() == "https://a\"\n  evil: true");
  CHECK(route["pipeline"][0]["config"]["issuer"].as<std::string>() == "https://idp\nlisten: {port: 1}");
  CHECK(route["pipeline"][0]["config"]["audience"].as<std::string>() == "a: b");
  CHECK(route["upstream"]["url"].as<std::string>() == "http://mcp-weather.tools.svc:8080/mcp");
}

TEST_CASE("MCPServer: gateway replicas need a Redis sessionStorage, which becomes the pipeline's session store") {
  CHECK_THAT(readServerSpec(server(R"({"image":"x:1","replicas":2})")).invalid.at(0), Catch::Contains("need spec.sessionStorage"));
  CHECK_THAT(readServerSpec(server(R"({"image":"x:1","replicas":2,"sessionStorage":{"provider":"memory"}})")).invalid.at(0),
             Catch::Contains("need spec.sessionStorage"));
  ServerSpec spec = readServerSpec(server(
      R"({"image":"x:1","replicas":2,"backendReplicas":1,"sessionStorage":{"provider":"redis","address":"r:6379","db":3,"passwordRef":{"name":"redis","key":"pw"}}})"));
  CHECK(spec.invalid.empty());
  CHECK(spec.unsupported.empty());
  REQUIRE(referencedSecrets(spec, std::nullopt).size() == 1);
  YAML::Node doc = YAML::Load(gatewayPipeline(spec, std::nullopt));
  CHECK(doc["sessions"]["store"]["plugin"].as<std::string>() == "session-redis");
  CHECK(doc["sessions"]["store"]["config"]["url"].as<std::string>() == "redis://r:6379/3");
  CHECK(doc["sessions"]["store"]["config"]["password_file"].as<std::string>() == "../secrets/redis/pw");
}

TEST_CASE("MCPRemoteProxy: the gateway's upstream is the remote URL, and ToolHive's other fields are reported") {
  auto proxy = readRemoteProxySpec(json::parse(
      R"({"metadata":{"name":"gh","namespace":"tools"},"spec":{"remoteUrl":"https://api.example.com/mcp","headerForward":{"addPlaintextHeaders":{"X":"y"}},
          "oidcConfig":{"type":"inline","inline":{"issuer":"https://idp"}}}})"));
  CHECK(proxy.remote());
  CHECK(proxy.proxyPort == 8080);
  REQUIRE(proxy.unsupported.size() == 1);
  CHECK_THAT(proxy.unsupported[0], Catch::Contains("spec.headerForward is not supported"));
  YAML::Node doc = YAML::Load(gatewayPipeline(proxy, std::nullopt));
  CHECK(doc["servers"]["gh"]["upstream"]["url"].as<std::string>() == "https://api.example.com/mcp");
  auto bad = readRemoteProxySpec(json::parse(R"({"metadata":{"name":"x"},"spec":{"remoteUrl":"file:///etc/passwd"}})"));
  REQUIRE(bad.unsupported.size() == 1);
  CHECK_THAT(bad.unsupported[0], Catch::Contains("spec.remoteUrl"));
}

TEST_CASE("kubeconfig: exec plugins and skipped TLS verification are refused with the reason") {
  const std::string exec = tempFile("moat-kc-exec.yaml", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {exec: {command: aws}}}]
)");
  CHECK_THROWS_WITH(kube::loadKubeconfig(exec), Catch::Contains("exec or auth-provider plugin"));
  const std::string insecure = tempFile("moat-kc-insecure.yaml", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u, namespace: tools}}]
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: abc}}]
)");
  CHECK_THROWS_WITH(kube::loadKubeconfig(insecure), Catch::Contains("insecure-skip-tls-verify is refused"));
  const std::string good = tempFile("moat-kc-good.yaml", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u, namespace: tools}}]
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: "aGVsbG8="}}]
users: [{name: u, user: {token: abc}}]
)");
  kube::ClusterAccess access = kube::loadKubeconfig(good);
  CHECK(access.caPem == "hello");
  CHECK(access.token == "abc");
  CHECK(access.defaultNamespace == "tools");
  CHECK_THROWS_WITH(kube::loadKubeconfig(good, "other"), Catch::Contains("no context named 'other'"));
}

TEST_CASE("work queue: a key queued twice is reconciled once, failures back off doubling") {
  WorkQueue queue;
  queue.add("a/x");
  queue.add("a/x");
  queue.add("a/y", std::chrono::milliseconds(50));
  CHECK(queue.next() == "a/x");
  CHECK(queue.next() == "a/y");
  CHECK(queue.failed("a/x") == std::chrono::milliseconds(1000));
  CHECK(queue.failed("a/x") == std::chrono::milliseconds(2000));
  queue.succeeded("a/x");
  CHECK(queue.failed("a/x") == std::chrono::milliseconds(1000));
  queue.shutDown();
  CHECK_FALSE(queue.next().has_value());
}
