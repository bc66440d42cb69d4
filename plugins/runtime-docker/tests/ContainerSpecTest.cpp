#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "container/ContainerSpec.h"
#include "moat/json.hpp"

using namespace moat::container;

namespace {

moat::json::Value createBody(const std::string& spec, const std::string& imageUser = "") {
  CreateOptions options;
  options.labels = {{"moat.workload", "everything"}};
  options.imageUser = imageUser;
  options.openFiles = 1024;
  options.processes = 2048;
  return moat::json::parse(createContainerBody(parseContainerSpec(spec), options));
}

std::vector<std::string> strings(const moat::json::Value& array) {
  std::vector<std::string> out;
  for (const auto& item : array.items()) out.push_back(item.asString());
  return out;
}

}  // namespace

TEST_CASE("a stdio container gets every isolation default") {
  auto body = createBody(R"({"name":"everything","image":"moat-npx/x:1","args":["stdio"],"env":{"TOKEN":"s3cret"},"transport":"stdio"})");
  CHECK(body.stringOr("Image", "") == "moat-npx/x:1");
  CHECK(strings(*body.find("Cmd")) == std::vector<std::string>{"stdio"});
  CHECK(strings(*body.find("Env")) == std::vector<std::string>{"TOKEN=s3cret"});
  CHECK(body.find("Entrypoint") == nullptr);
  CHECK(body.stringOr("User", "") == "65534:65534");
  CHECK(body.find("OpenStdin")->asBool());
  CHECK(body.find("StdinOnce")->asBool());
  CHECK_FALSE(body.find("Tty")->asBool());
  CHECK(body.find("Labels")->stringOr("moat.workload", "") == "everything");
  const auto& host = *body.find("HostConfig");
  CHECK(host.stringOr("NetworkMode", "") == "none");
  CHECK(strings(*host.find("CapDrop")) == std::vector<std::string>{"ALL"});
  CHECK(strings(*host.find("SecurityOpt")) == std::vector<std::string>{"no-new-privileges"});
  CHECK(host.find("ReadonlyRootfs")->asBool());
  CHECK(host.find("Tmpfs")->stringOr("/tmp", "").find("size=67108864") != std::string::npos);
  CHECK(host.find("Memory")->asNumber() == 512.0 * 1024 * 1024);
  CHECK(host.find("MemorySwap")->asNumber() == 512.0 * 1024 * 1024);
  CHECK(host.find("NanoCpus")->asNumber() == 1e9);
  CHECK(host.find("PidsLimit")->asNumber() == 256);
  const auto& ulimits = host.find("Ulimits")->items();
  REQUIRE(ulimits.size() == 2);
  CHECK(ulimits[0].stringOr("Name", "") == "nofile");
  CHECK(ulimits[0].find("Hard")->asNumber() == 1024);
  CHECK(ulimits[1].find("Soft")->asNumber() == 2048);
  CHECK(host.find("Mounts")->items().empty());
  CHECK(host.find("RestartPolicy")->stringOr("Name", "") == "no");
}

TEST_CASE("isolation settings and volumes reach the engine") {
  auto body = createBody(R"({"name":"w","image":"img","command":"/bin/server","transport":"stdio",
      "isolation":{"network":true,"memory":"1g","cpus":0.5,"pids":64,"user":"1000:1000","read_only":false,"tmpfs_size":"16m"},
      "volumes":[{"source":"/srv/data","target":"/data"},{"source":"/srv/out","target":"/out","writable":true}]})");
  CHECK(strings(*body.find("Entrypoint")) == std::vector<std::string>{"/bin/server"});
  CHECK(body.stringOr("User", "") == "1000:1000");
  const auto& host = *body.find("HostConfig");
  CHECK(host.stringOr("NetworkMode", "") == "bridge");
  CHECK(host.find("Memory")->asNumber() == 1024.0 * 1024 * 1024);
  CHECK(host.find("NanoCpus")->asNumber() == 5e8);
  CHECK(host.find("PidsLimit")->asNumber() == 64);
  CHECK_FALSE(host.find("ReadonlyRootfs")->asBool());
  const auto& mounts = host.find("Mounts")->items();
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[0].stringOr("Source", "") == "/srv/data");
  CHECK(mounts[0].find("ReadOnly")->asBool());
  CHECK_FALSE(mounts[1].find("ReadOnly")->asBool());
}

TEST_CASE("an image that names a non-root user keeps it, a root image runs as nobody") {
  CHECK(createBody(R"({"image":"i"})", "node").stringOr("User", "") == "node");
  CHECK(createBody(R"({"image":"i"})", "root").stringOr("User", "") == "65534:65534");
  CHECK(createBody(R"({"image":"i"})", "0:0").stringOr("User", "") == "65534:65534");
}

TEST_CASE("an HTTP container is not attached") {
  auto body = createBody(R"({"image":"i","transport":"streamable-http","target_port":3001})");
  CHECK(body.find("OpenStdin") == nullptr);
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","transport":"sse"})"), Catch::Contains("target_port:"));
}

TEST_CASE("a private network and allowed hosts reach the create body") {
  CreateOptions options;
  options.networkMode = "moat-web-1";
  options.extraHosts = {"api.github.com:172.18.0.1"};
  auto body = moat::json::parse(createContainerBody(parseContainerSpec(R"({"image":"i","isolation":{"egress":["api.github.com:443"]}})"), options));
  CHECK(body.find("HostConfig")->stringOr("NetworkMode", "") == "moat-web-1");
  CHECK(strings(*body.find("HostConfig")->find("ExtraHosts")) == std::vector<std::string>{"api.github.com:172.18.0.1"});
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","isolation":{"network":true,"egress":["a.b:1"]}})"), Catch::Contains("isolation.egress:"));
}

TEST_CASE("bad container specs name the key") {
  CHECK_THROWS_WITH(parseContainerSpec(R"({"name":"w"})"), Catch::Contains("image:"));
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","isolation":{"memory":"lots"}})"), Catch::Contains("isolation.memory:"));
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","isolation":{"memory":"1t"}})"), Catch::Contains("unknown unit"));
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","isolation":{"memory":"1m"}})"), Catch::Contains("at least 6m"));
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","isolation":{"privileged":true}})"), Catch::Contains("isolation.privileged:"));
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","isolation":{"cpus":0}})"), Catch::Contains("isolation.cpus:"));
  CHECK_THROWS_WITH(parseContainerSpec(R"({"image":"i","volumes":[{"source":"rel","target":"/x"}]})"), Catch::Contains("absolute"));
}

TEST_CASE("byte sizes") {
  CHECK(parseByteSize("512m", "k") == 512ll << 20);
  CHECK(parseByteSize("1.5g", "k") == 3ll << 29);
  CHECK(parseByteSize("65536", "k") == 65536);
  CHECK(parseByteSize("64k", "k") == 65536);
  CHECK_THROWS(parseByteSize("-1m", "k"));
}
