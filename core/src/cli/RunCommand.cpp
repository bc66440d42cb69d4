#include "cli/RunCommand.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/ClientSnippets.h"
#include "cli/ClientSync.h"
#include "cli/GatewayFlags.h"
#include "cli/RegistryCommand.h"
#include "cli/Serve.h"
#include "cli/WorkloadState.h"
#include "secrets/SecretStore.h"
#include "moat/json.hpp"

namespace moat::cli {
namespace {

std::string nowIso8601() {
  std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

// KEY=VALUE lines; blank lines and # comments skipped.
void readEnvFile(const std::string& file, std::vector<std::pair<std::string, std::string>>& env) {
  std::ifstream in(file);
  if (!in) throw UsageError("--env-file " + file + " cannot be read");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--env-file " + file + " line " + std::to_string(number) + ": expected KEY=VALUE");
    env.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
}

bool sleepUntil(const std::function<bool()>& done, int timeoutMs) {
  for (int waited = 0; waited < timeoutMs; waited += 50) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

std::string selfPath() {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) throw std::runtime_error("cannot find the moat executable (/proc/self/exe)");
  return std::string(buffer, static_cast<size_t>(n));
}

// --secret NAME,target=ENV (ToolHive's form): ENV and the name, for each flag.
std::vector<std::pair<std::string, std::string>> secretTargets(const Args& args) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& flag : args.all("secret")) {
    const size_t comma = flag.find(",target=");
    if (comma == std::string::npos || comma == 0 || comma + 8 == flag.size())
      throw UsageError("--secret expects NAME,target=ENV, got '" + flag + "'");
    out.emplace_back(flag.substr(comma + 8), flag.substr(0, comma));
  }
  return out;
}

// The variables --secret puts in the server's environment, their values from the store. The
// command line holds only names; the values never reach an argument list or the state file.
std::vector<std::pair<std::string, std::string>> secretEnvironment(const Args& args) {
  const auto targets = secretTargets(args);
  if (targets.empty()) return {};
  std::vector<std::string> names;
  for (const auto& [variable, name] : targets) names.push_back(name);
  std::map<std::string, std::string> values;
  try {
    values = secrets::resolve(names);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [variable, name] : targets) out.emplace_back(variable, values.at(name));
  return out;
}

// The same command line without --detach, for the background process (without the program).
std::vector<std::string> foregroundArgs(const Args& args, const std::string& name) {
  std::vector<std::string> argv{"run", "--name", name};
  for (const auto& [flag, values] : args.values) {
    if (flag == "detach" || flag == "name") continue;
    bool boolean = false;
    for (const auto& spec : runFlags())
      if (spec.name == flag) boolean = spec.valueName.empty();
    for (const auto& value : values) argv.push_back(boolean ? "--" + flag : "--" + flag + "=" + value);
  }
  argv.push_back("--");
  argv.insert(argv.end(), args.positional.begin(), args.positional.end());
  return argv;
}

// Where the runtime and the plugins are: kept with the workload so `moat restart` finds them
// from another shell.
const char* const kRunEnvironment[] = {"DOCKER_HOST", "CONTAINER_HOST", "MOAT_PLUGIN_PATH", "MOAT_NPX_NODE"};

int detachArgs(const std::vector<std::string>& runArgs, const std::string& name, const std::string& passphrase = {}) {
  std::string log = logFileFor(name);
  std::vector<std::string> argv{selfPath()};
  argv.insert(argv.end(), runArgs.begin(), runArgs.end());
  pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::setsid();
    int null = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null < 0 || out < 0) ::_exit(127);
    ::dup2(null, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    // The background run reads the secrets itself, and scrubs this before starting the server.
    if (!passphrase.empty()) ::setenv("MOAT_SECRETS_PASSPHRASE", passphrase.c_str(), 1);
    std::vector<char*> raw;
    for (auto& word : argv) raw.push_back(word.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  // The background run writes its state once it listens; wait for that (or for it to fail).
  int status = 0;
  bool exited = false;
  bool ready = sleepUntil([&] {
    if (!exited && ::waitpid(child, &status, WNOHANG) == child) exited = true;
    if (exited) return true;
    auto w = loadWorkload(name);
    return w && w->pid == child && !w->url.empty();
  }, 20000);
  auto workload = loadWorkload(name);
  if (exited || !ready || !workload || workload->pid != child) {
    std::fprintf(stderr, "moat: %s did not start; its log (%s) says:\n", name.c_str(), log.c_str());
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line)) std::fprintf(stderr, "  %s\n", line.c_str());
    if (!exited) ::kill(child, SIGTERM);
    return 1;
  }
  std::fputs(clientSnippets(name, workload->url).c_str(), stdout);
  std::printf("moat: running in the background (pid %d); moat logs %s, moat stop %s\n", child, name.c_str(), name.c_str());
  return 0;
}

std::string requireName(const Args& args, const char* command) {
  if (args.positional.size() != 1) throw UsageError(std::string("moat ") + command + " takes one workload NAME");
  return args.positional.front();
}

// The workload's state, or nullopt after saying on stderr that there is none by that name.
std::optional<Workload> namedWorkload(const std::string& name) {
  auto workload = loadWorkload(name);
  if (!workload) std::fprintf(stderr, "moat: no workload named %s (see moat list)\n", name.c_str());
  return workload;
}

bool stopProcess(const Workload& workload, int graceMs) {
  if (!workloadAlive(workload)) return true;
  ::kill(workload.pid, SIGTERM);
  if (sleepUntil([&] { return !workloadAlive(workload); }, graceMs)) return true;
  ::kill(workload.pid, SIGKILL);
  return sleepUntil([&] { return !workloadAlive(workload); }, 2000);
}

}  // namespace

const std::vector<FlagSpec>& runFlags() {
  static const std::vector<FlagSpec> flags = withGatewayFlags({
      {"name", "NAME", "workload name (default: from the command)"},
      {"runtime", "process|docker|podman", "what runs the server: a local command (default), or a container IMAGE (npx://PACKAGE defaults to docker)"},
      {"transport", "stdio|streamable-http|sse", "how the server speaks MCP (HTTP transports: container images only, with --target-port)"},
      {"target-port", "N", "containers: the port the server listens on inside its container (HTTP transports)"},
      {"allow-egress", "HOST:PORT", "containers: let the server reach HOST:PORT and nothing else (repeatable; docker)"},
      {"proxy-port", "N", "port to serve the workload on (default 0: a free port)"},
      {"env", "KEY=VALUE", "environment variable for the command (repeatable)", 'e'},
      {"env-file", "FILE", "KEY=VALUE lines for the command's environment (secrets stay out of ps)"},
      {"secret", "NAME,target=ENV", "put secret NAME (moat secret set, or MOAT_SECRET_<NAME> in CI) in the server's environment as ENV (repeatable)"},
      {"detach", "", "run in the background; manage it with moat list/logs/stop/rm", 'd'},
      {"volume", "HOST:CONTAINER[:ro|rw]", "containers: bind a host path, read-only unless :rw (repeatable)", 'v'},
      {"isolate", "", "run the command in a bubblewrap sandbox: read-only host, private /tmp, no network (containers are always isolated)"},
      {"isolate-allow-network", "", "with --isolate, or for a container, keep the network (egress)"},
      {"shared", "", "one server process for every client session (default: one per session)"},
      {"registry", "FILE|URL", "also look NAME up in this server.json file or MCP Registry API (repeatable; $MOAT_REGISTRY too)"},
  });
  return flags;
}

namespace {

bool isNpx(const std::string& target) { return target.rfind("npx://", 0) == 0; }

// process, docker or podman: --runtime, else docker for npx://, else a local command.
std::string runtimeKind(const Args& args) {
  std::string kind = args.get("runtime").value_or(!args.positional.empty() && isNpx(args.positional.front()) ? "docker" : "process");
  if (kind != "process" && kind != "docker" && kind != "podman") throw UsageError("--runtime: expected process, docker or podman, got '" + kind + "'");
  if (kind == "process" && !args.positional.empty() && isNpx(args.positional.front()))
    throw UsageError("npx:// runs in a container: use --runtime docker or --runtime podman");
  return kind;
}

// The image's own name, without registry, scope, tag or version: ghcr.io/org/fetch:1 -> fetch.
std::string imageNameSource(std::string image) {
  if (isNpx(image)) image.erase(0, 6);
  size_t slash = image.rfind('/');
  if (slash != std::string::npos) image.erase(0, slash + 1);
  size_t cut = image.find_first_of(":@", 1);
  return cut == std::string::npos ? image : image.substr(0, cut);
}

// "HOST:CONTAINER[:ro|rw]" for the container runtimes; read-only unless rw.
config::VolumeMount volumeValue(const std::string& spec) {
  size_t first = spec.find(':');
  size_t second = first == std::string::npos ? std::string::npos : spec.find(':', first + 1);
  config::VolumeMount mount;
  mount.source = spec.substr(0, first);
  mount.target = first == std::string::npos ? "" : spec.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  std::string mode = second == std::string::npos ? "ro" : spec.substr(second + 1);
  if (mount.source.empty() || mount.target.empty() || mount.target[0] != '/' || (mode != "ro" && mode != "rw"))
    throw UsageError("--volume expects HOST_PATH:/CONTAINER_PATH[:ro|rw], got '" + spec + "'");
  std::error_code ignored;
  mount.source = std::filesystem::absolute(mount.source, ignored).string();
  mount.writable = mode == "rw";
  return mount;
}

}  // namespace

config::Config configFromRunFlags(const Args& args, const std::string& name) {
  if (args.positional.empty()) throw UsageError("give the server's command after --: moat run [flags] -- COMMAND ARGS... (or an image with --runtime docker|podman)");
  const std::string runtime = runtimeKind(args);
  const bool container = runtime != "process";
  std::string transport = args.get("transport").value_or("stdio");
  if (transport != "stdio" && transport != "streamable-http" && transport != "sse")
    throw UsageError("--transport: expected stdio, streamable-http or sse, got '" + transport + "'");
  if (transport != "stdio" && !container)
    throw UsageError("--transport " + transport + ": a local command is run over stdio; serve an HTTP server yourself and use moat proxy, or run its image");
  if (transport != "stdio" && !args.get("target-port")) throw UsageError("--transport " + transport + " needs --target-port, the port the server listens on in its container");
  if (transport == "stdio" && args.get("target-port")) throw UsageError("--target-port is for a server that speaks HTTP (--transport streamable-http or sse)");
  if (!container && !args.all("allow-egress").empty()) throw UsageError("--allow-egress is for a container image: add --runtime docker");
  config::Config config;
  config::ServerConfig server;
  config.listen.port = args.get("proxy-port") ? portValue(*args.get("proxy-port"), "proxy-port") : 0;
  server.name = name;
  server.path = "/mcp";
  server.upstream.transport = transport == "stdio" ? config::UpstreamTransport::Stdio
                              : transport == "sse"  ? config::UpstreamTransport::Sse
                                                    : config::UpstreamTransport::StreamableHttp;
  if (auto port = args.get("target-port")) {
    server.upstream.targetPort = portValue(*port, "target-port");
    server.upstream.targetPath = transport == "sse" ? "/sse" : "/mcp";
  }
  (container ? server.upstream.image : server.upstream.command) = args.positional.front();
  server.upstream.args.assign(args.positional.begin() + 1, args.positional.end());
  server.upstream.runtime = "runtime-" + runtime;
  for (const auto& file : args.all("env-file")) readEnvFile(file, server.upstream.env);
  for (const auto& pair : args.all("env")) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--env expects KEY=VALUE, got '" + pair + "'");
    server.upstream.env.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  for (const auto& [variable, value] : secretEnvironment(args)) server.upstream.env.emplace_back(variable, value);
  if (!container && !args.all("volume").empty()) throw UsageError("--volume is for a container image: add --runtime docker or --runtime podman");
  for (const auto& volume : args.all("volume")) server.upstream.volumes.push_back(volumeValue(volume));
  if (args.has("isolate-allow-network") && !args.has("isolate") && !container) throw UsageError("--isolate-allow-network goes with --isolate");
  if (args.has("isolate-allow-network") && !args.all("allow-egress").empty())
    throw UsageError("--allow-egress lists what a container may reach; --isolate-allow-network already allows everything");
  if (args.has("isolate") || container) {
    std::string egress;
    for (const auto& rule : args.all("allow-egress")) egress += (egress.empty() ? "" : ",") + json::quote(rule);
    server.upstream.isolationJson = args.has("isolate-allow-network") ? "{\"network\":true}"
                                    : egress.empty()                   ? "{}"
                                                                       : "{\"egress\":[" + egress + "]}";
  }
  // One container serves every session (as thv run does); starting one per session costs a
  // container start each time. A process defaults to one per session.
  server.upstream.shared = (args.has("shared") || container) && transport == "stdio";
  applyGatewayFlags(args, config, server);
  config.servers.push_back(std::move(server));
  return config;
}

int runRun(const Args& given) {
  if (given.positional.empty()) throw UsageError("give the server's command after --: moat run [flags] -- COMMAND ARGS... (or a name from moat registry list)");
  const std::optional<Args> fromRegistry = registryRunArgs(given);
  const Args& args = fromRegistry ? *fromRegistry : given;
  std::string name;
  try {
    const std::string& target = args.positional.front();
    name = workloadName(args.get("name").value_or(""), runtimeKind(args) == "process" ? target : imageNameSource(target));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (auto existing = loadWorkload(name); existing && workloadAlive(*existing) && existing->pid != ::getpid())
    throw UsageError("workload " + name + " is already running (pid " + std::to_string(existing->pid) + "); moat stop " + name);
  config::Config config = configFromRunFlags(args, name);  // usage errors before anything starts
  if (args.has("detach")) {
    std::string passphrase;
    if (!secretTargets(args).empty() && !secrets::environmentProvider()) {
      std::vector<std::string> names;
      for (const auto& [variable, secret] : secretTargets(args)) names.push_back(secret);
      secrets::resolve(names, &passphrase);  // the passphrase the background run will need
    }
    return detachArgs(foregroundArgs(args, name), name, passphrase);
  }
  secrets::scrubEnvironment();  // the server inherits this process's environment

  sigset_t signals = blockShutdownSignals();
  Workload workload;
  workload.name = name;
  workload.pid = ::getpid();
  workload.command = args.positional;
  workload.startedAt = nowIso8601();
  workload.runArgs = foregroundArgs(args, name);
  for (const char* variable : kRunEnvironment)
    if (const char* value = std::getenv(variable); value && *value) workload.runEnvironment.emplace_back(variable, value);
  if (!::isatty(1)) workload.logFile = logFileFor(name);
  ServeHooks hooks;
  hooks.listening = [&](uint16_t port, core::PluginRegistry&) {
    workload.url = "http://" + config.listen.address + ":" + std::to_string(port) + "/mcp";
    publishToClients(name, workload.url);  // before the state says it runs: a detaching parent waits for that
    saveWorkload(workload);
    std::fputs(clientSnippets(name, workload.url).c_str(), stdout);
    std::fflush(stdout);
  };
  hooks.stopped = [&] {
    workload.state = "stopped";
    saveWorkload(workload);
  };
  return serveUntilSignalled(config, signals, hooks);
}

int runList(const Args&) {
  auto workloads = listWorkloads();
  std::printf("%-20s %-8s %-8s %-32s %s\n", "NAME", "STATE", "PID", "URL", "COMMAND");
  for (const auto& w : workloads) {
    std::string command;
    for (const auto& word : w.command) command += (command.empty() ? "" : " ") + word;
    std::printf("%-20s %-8s %-8d %-32s %s\n", w.name.c_str(), observedState(w).c_str(), w.pid, w.url.c_str(), command.c_str());
  }
  return 0;
}

int runStop(const Args& args) {
  std::string name = requireName(args, "stop");
  auto workload = namedWorkload(name);
  if (!workload) return 1;
  if (!stopProcess(*workload, 10000)) {
    std::fprintf(stderr, "moat: %s (pid %d) did not stop\n", name.c_str(), workload->pid);
    return 1;
  }
  workload->state = "stopped";
  saveWorkload(*workload);
  std::printf("moat: %s stopped\n", name.c_str());
  return 0;
}

int runRm(const Args& args) {
  std::string name = requireName(args, "rm");
  auto workload = namedWorkload(name);
  if (!workload) return 1;
  if (!stopProcess(*workload, 10000)) {
    std::fprintf(stderr, "moat: %s (pid %d) did not stop; not removed\n", name.c_str(), workload->pid);
    return 1;
  }
  removeWorkload(name);
  withdrawFromClients(name);
  if (!workload->logFile.empty()) std::remove(workload->logFile.c_str());
  std::printf("moat: %s removed\n", name.c_str());
  return 0;
}

int runRestart(const Args& args) {
  std::string name = requireName(args, "restart");
  auto workload = namedWorkload(name);
  if (!workload) return 1;
  if (workload->runArgs.empty()) {
    std::fprintf(stderr, "moat: %s was started by an older moat that did not record how; run it again with moat run\n", name.c_str());
    return 1;
  }
  if (!stopProcess(*workload, 10000)) {
    std::fprintf(stderr, "moat: %s (pid %d) did not stop; not restarted\n", name.c_str(), workload->pid);
    return 1;
  }
  for (const auto& [variable, value] : workload->runEnvironment)
    if (const char* current = std::getenv(variable.c_str()); !current || !*current) ::setenv(variable.c_str(), value.c_str(), 1);
  // The same URL as before, so clients configured with it keep working.
  std::vector<std::string> runArgs = workload->runArgs;
  auto pinned = std::find_if(runArgs.begin(), runArgs.end(), [](const std::string& a) { return a.rfind("--proxy-port", 0) == 0; });
  size_t colon = workload->url.rfind(':');
  if (pinned == runArgs.end() && colon != std::string::npos) {
    std::string port = workload->url.substr(colon + 1, workload->url.find('/', colon) - colon - 1);
    runArgs.insert(runArgs.begin() + 1, "--proxy-port=" + port);
  }
  std::printf("moat: restarting %s\n", name.c_str());
  return detachArgs(runArgs, name);
}

int runLogs(const Args& args) {
  std::string name = requireName(args, "logs");
  auto workload = namedWorkload(name);
  if (!workload) return 1;
  if (workload->logFile.empty()) {
    std::fprintf(stderr, "moat: %s runs in the foreground; its log is on its terminal\n", name.c_str());
    return 1;
  }
  std::ifstream in(workload->logFile);
  if (!in) {
    std::fprintf(stderr, "moat: cannot read %s\n", workload->logFile.c_str());
    return 1;
  }
  const bool follow = args.has("follow");
  char buffer[8192];
  for (;;) {
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) std::fwrite(buffer, 1, static_cast<size_t>(in.gcount()), stdout);
    std::fflush(stdout);
    if (!follow || !workloadAlive(*workload)) break;
    in.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return 0;
}

}  // namespace moat::cli
