#include "container/ContainerSpec.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "moat/json.hpp"

namespace moat::container {
namespace {

[[noreturn]] void bad(const std::string& key, const std::string& problem) { throw std::runtime_error(key + ": " + problem); }

std::string quotedArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json::quote(items[i]);
  return out + "]";
}

void readIsolation(const json::Value& value, ContainerIsolation& out) {
  if (!value.isObject()) bad("isolation", "expected an object");
  static const std::set<std::string> known{"network", "memory", "cpus", "pids", "user", "read_only", "tmpfs_size", "egress"};
  for (const auto& [key, item] : value.members()) {
    if (!known.count(key)) bad("isolation." + key, "not a container isolation setting (network, memory, cpus, pids, user, read_only, tmpfs_size, egress)");
    try {
      if (key == "network") out.network = item.asBool();
      else if (key == "read_only") out.readOnlyRoot = item.asBool();
      else if (key == "user") out.user = item.asString();
      else if (key == "memory") out.memoryBytes = item.isString() ? parseByteSize(item.asString(), "isolation.memory") : static_cast<int64_t>(item.asNumber());
      else if (key == "tmpfs_size") out.tmpfsBytes = item.isString() ? parseByteSize(item.asString(), "isolation.tmpfs_size") : static_cast<int64_t>(item.asNumber());
      else if (key == "cpus") out.cpus = item.isString() ? std::stod(item.asString()) : item.asNumber();
      else if (key == "pids") out.pids = static_cast<int64_t>(item.asNumber());
      else if (key == "egress")
        for (const auto& entry : item.items()) out.egress.push_back(entry.asString());
    } catch (const std::invalid_argument&) {
      bad("isolation." + key, "expected a number");
    } catch (const std::runtime_error& e) {
      std::string what = e.what();
      if (what.rfind("isolation.", 0) == 0) throw;
      bad("isolation." + key, what);
    }
  }
  if (out.memoryBytes < (6ll << 20)) bad("isolation.memory", "at least 6m (the engines refuse less)");
  if (!(out.cpus > 0) || out.cpus > 1024) bad("isolation.cpus", "expected a number of CPUs above 0");
  if (out.pids < 1) bad("isolation.pids", "expected a positive process limit");
  if (out.network && !out.egress.empty()) bad("isolation.egress", "an allowlist goes with network: false (network: true already allows everything)");
}

}  // namespace

int64_t parseByteSize(const std::string& text, const std::string& key) {
  size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    bad(key, "expected a size like 512m or 1g, got '" + text + "'");
  }
  std::string unit = text.substr(used);
  double scale = 1;
  if (unit == "k" || unit == "K" || unit == "kb" || unit == "KiB") scale = 1024.0;
  else if (unit == "m" || unit == "M" || unit == "mb" || unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "g" || unit == "G" || unit == "gb" || unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (!unit.empty() && unit != "b") bad(key, "unknown unit '" + unit + "' (use k, m or g)");
  if (!(number > 0)) bad(key, "expected a positive size, got '" + text + "'");
  return static_cast<int64_t>(std::llround(number * scale));
}

ContainerSpec parseContainerSpec(std::string_view specJson) {
  json::Value spec = json::parse(specJson);
  ContainerSpec out;
  out.name = spec.stringOr("name", "workload");
  out.image = spec.stringOr("image", "");
  if (out.image.empty()) bad("image", "a container runtime needs an image (upstream.image, or moat run --runtime docker IMAGE)");
  if (auto command = spec.stringOr("command", ""); !command.empty()) out.entrypoint.push_back(command);
  if (const auto* args = spec.find("args"))
    for (const auto& item : args->items()) out.args.push_back(item.asString());
  if (const auto* env = spec.find("env"))
    for (const auto& [key, value] : env->members()) out.env.emplace_back(key, value.asString());
  out.workdir = spec.stringOr("workdir", "");
  out.transport = spec.stringOr("transport", "stdio");
  out.stdio = out.transport == "stdio";
  if (const auto* port = spec.find("target_port")) out.targetPort = static_cast<int>(port->asNumber());
  if (!out.stdio && (out.targetPort < 1 || out.targetPort > 65535)) bad("target_port", "an HTTP server in a container needs the port it listens on (1-65535)");
  if (const auto* isolation = spec.find("isolation"); isolation && !isolation->isNull()) readIsolation(*isolation, out.isolation);
  if (const auto* volumes = spec.find("volumes")) {
    for (const auto& item : volumes->items()) {
      Volume volume{item.stringOr("source", ""), item.stringOr("target", ""), false};
      if (const auto* writable = item.find("writable")) volume.writable = writable->asBool();
      if (volume.source.empty() || volume.source[0] != '/') bad("volumes", "the host path must be absolute, got '" + volume.source + "'");
      if (volume.target.empty() || volume.target[0] != '/') bad("volumes", "the container path must be absolute, got '" + volume.target + "'");
      out.volumes.push_back(std::move(volume));
    }
  }
  return out;
}

std::string createContainerBody(const ContainerSpec& spec, const CreateOptions& options) {
  const auto& iso = spec.isolation;
  std::string user = iso.user;
  if (user.empty()) {
    bool imageIsRoot = options.imageUser.empty() || options.imageUser == "root" || options.imageUser == "0" || options.imageUser.rfind("0:", 0) == 0;
    user = imageIsRoot ? "65534:65534" : options.imageUser;
  }
  std::string body = "{\"Image\":" + json::quote(spec.image);
  if (!spec.entrypoint.empty()) body += ",\"Entrypoint\":" + quotedArray(spec.entrypoint);
  if (!spec.args.empty()) body += ",\"Cmd\":" + quotedArray(spec.args);
  std::vector<std::string> env;
  for (const auto& [key, value] : spec.env) env.push_back(key + "=" + value);
  body += ",\"Env\":" + quotedArray(env);
  if (!spec.workdir.empty()) body += ",\"WorkingDir\":" + json::quote(spec.workdir);
  body += ",\"User\":" + json::quote(user);
  // A stdio server's stdin is attached before start and closes when the attachment does.
  if (spec.stdio) body += ",\"AttachStdin\":true,\"AttachStdout\":true,\"AttachStderr\":true,\"OpenStdin\":true,\"StdinOnce\":true,\"Tty\":false";
  body += ",\"Labels\":{";
  bool first = true;
  for (const auto& [key, value] : options.labels) {
    body += (first ? "" : ",") + json::quote(key) + ":" + json::quote(value);
    first = false;
  }
  body += "}";

  body += ",\"HostConfig\":{";
  std::string network = options.networkMode.empty() ? (iso.network ? "bridge" : "none") : options.networkMode;
  body += "\"NetworkMode\":" + json::quote(network);
  if (!options.extraHosts.empty()) body += ",\"ExtraHosts\":" + quotedArray(options.extraHosts);
  body += ",\"CapDrop\":[\"ALL\"],\"SecurityOpt\":[\"no-new-privileges\"]";
  body += std::string(",\"ReadonlyRootfs\":") + (iso.readOnlyRoot ? "true" : "false");
  body += ",\"Tmpfs\":{\"/tmp\":" + json::quote("rw,nosuid,nodev,size=" + std::to_string(iso.tmpfsBytes)) + "}";
  body += ",\"Memory\":" + std::to_string(iso.memoryBytes) + ",\"MemorySwap\":" + std::to_string(iso.memoryBytes);
  body += ",\"NanoCpus\":" + std::to_string(static_cast<int64_t>(std::llround(iso.cpus * 1e9)));
  body += ",\"PidsLimit\":" + std::to_string(iso.pids);
  // Explicit limits: an engine's defaults may exceed what an unprivileged engine may grant.
  body += ",\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":" + std::to_string(options.openFiles) + ",\"Hard\":" + std::to_string(options.openFiles) +
          "},{\"Name\":\"nproc\",\"Soft\":" + std::to_string(options.processes) + ",\"Hard\":" + std::to_string(options.processes) + "}]";
  body += ",\"Mounts\":[";
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    const auto& v = spec.volumes[i];
    body += std::string(i ? "," : "") + "{\"Type\":\"bind\",\"Source\":" + json::quote(v.source) + ",\"Target\":" + json::quote(v.target) +
            ",\"ReadOnly\":" + (v.writable ? "false" : "true") + "}";
  }
  body += "]";
  body += ",\"RestartPolicy\":{\"Name\":\"no\"}";
  body += "}}";
  return body;
}

}  // namespace moat::container
