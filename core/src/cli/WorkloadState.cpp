#include "cli/WorkloadState.h"

#include <sys/stat.h>
#include <csignal>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "moat/json.hpp"

namespace moat::cli {
namespace fs = std::filesystem;
namespace {

fs::path workloadsDirectory() { return fs::path(stateDirectory()) / "workloads"; }

fs::path stateFile(const std::string& name) { return workloadsDirectory() / (name + ".json"); }

// The state directory and its subdirectories are the user's alone: logs may hold server output.
void makePrivateDirectory(const fs::path& dir) {
  fs::create_directories(dir);
  ::chmod(dir.parent_path().c_str(), 0700);
  ::chmod(dir.c_str(), 0700);
}

std::string toJson(const Workload& w) {
  json::Value v = json::Value::makeObject();
  auto& m = v.mutableMembers();
  m["name"] = json::Value::makeString(w.name);
  m["pid"] = json::Value::makeNumber(w.pid);
  m["url"] = json::Value::makeString(w.url);
  json::Value command = json::Value::makeArray();
  for (const auto& word : w.command) command.mutableItems().push_back(json::Value::makeString(word));
  m["command"] = command;
  m["transport"] = json::Value::makeString(w.transport);
  m["started_at"] = json::Value::makeString(w.startedAt);
  m["log_file"] = json::Value::makeString(w.logFile);
  m["state"] = json::Value::makeString(w.state);
  json::Value runArgs = json::Value::makeArray();
  for (const auto& word : w.runArgs) runArgs.mutableItems().push_back(json::Value::makeString(word));
  m["run_args"] = runArgs;
  json::Value runEnvironment = json::Value::makeObject();
  for (const auto& [key, value] : w.runEnvironment) runEnvironment.mutableMembers()[key] = json::Value::makeString(value);
  m["run_environment"] = runEnvironment;
  return json::write(v);
}

Workload fromJson(const std::string& text) {
  json::Value v = json::parse(text);
  Workload w;
  w.name = v.stringOr("name", "");
  if (const json::Value* pid = v.find("pid"); pid && pid->type() == json::Value::Type::Number) w.pid = static_cast<int>(pid->asNumber());
  w.url = v.stringOr("url", "");
  if (const json::Value* command = v.find("command"); command && command->isArray())
    for (const auto& word : command->items())
      if (word.isString()) w.command.push_back(word.asString());
  w.transport = v.stringOr("transport", "stdio");
  w.startedAt = v.stringOr("started_at", "");
  w.logFile = v.stringOr("log_file", "");
  w.state = v.stringOr("state", "running");
  if (const json::Value* runArgs = v.find("run_args"); runArgs && runArgs->isArray())
    for (const auto& word : runArgs->items())
      if (word.isString()) w.runArgs.push_back(word.asString());
  if (const json::Value* runEnvironment = v.find("run_environment"); runEnvironment && runEnvironment->isObject())
    for (const auto& [key, value] : runEnvironment->members())
      if (value.isString()) w.runEnvironment.emplace_back(key, value.asString());
  return w;
}

}  // namespace

std::string stateDirectory() {
  if (const char* dir = std::getenv("MOAT_STATE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::string(xdg) + "/moat";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw std::runtime_error("cannot find a state directory: set MOAT_STATE_DIR or HOME");
  return std::string(home) + "/.local/state/moat";
}

std::string logFileFor(const std::string& name) {
  fs::path dir = fs::path(stateDirectory()) / "logs";
  makePrivateDirectory(dir);
  return (dir / (name + ".log")).string();
}

void saveWorkload(const Workload& workload) {
  makePrivateDirectory(workloadsDirectory());
  fs::path target = stateFile(workload.name);
  fs::path temporary = target;
  temporary += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << toJson(workload) << "\n";
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  ::chmod(temporary.c_str(), 0600);
  fs::rename(temporary, target);
}

std::optional<Workload> loadWorkload(const std::string& name) {
  std::ifstream in(stateFile(name));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    return fromJson(text.str());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<Workload> listWorkloads() {
  std::vector<Workload> out;
  std::error_code ignored;
  if (!fs::is_directory(workloadsDirectory(), ignored)) return out;
  for (const auto& entry : fs::directory_iterator(workloadsDirectory())) {
    if (entry.path().extension() != ".json") continue;
    if (auto w = loadWorkload(entry.path().stem().string())) out.push_back(std::move(*w));
  }
  std::sort(out.begin(), out.end(), [](const Workload& a, const Workload& b) { return a.name < b.name; });
  return out;
}

void removeWorkload(const std::string& name) {
  std::error_code ignored;
  fs::remove(stateFile(name), ignored);
}

bool workloadAlive(const Workload& workload) {
  if (workload.pid <= 0 || ::kill(workload.pid, 0) != 0) return false;
  std::ifstream cmdline("/proc/" + std::to_string(workload.pid) + "/cmdline");
  std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  return text.find("moat") != std::string::npos && text.find(std::string("run\0", 4)) != std::string::npos;
}

std::string observedState(const Workload& workload) {
  if (workload.state != "running") return workload.state;
  return workloadAlive(workload) ? "running" : "exited";
}

std::string workloadName(const std::string& requested, const std::string& command) {
  std::string source = requested.empty() ? fs::path(command).filename().string() : requested;
  std::string name;
  for (char c : source) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(lower)) || lower == '-' || lower == '_') name += lower;
    else if (!requested.empty()) throw std::invalid_argument("--name uses only a-z, 0-9, '-' and '_'");
    else name += '-';
  }
  if (name.empty()) throw std::invalid_argument("cannot derive a workload name; give --name");
  return name;
}

}  // namespace moat::cli
