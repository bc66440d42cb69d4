// What `moat run` leaves behind for `moat list/stop/rm/logs`: one JSON file per workload in the
// user's state directory, written atomically, readable only by the user. It outlives the
// gateway process, so a workload is still listed (as exited) after a crash or a reboot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moat::cli {

struct Workload {
  std::string name;
  int pid = 0;
  std::string url;
  std::vector<std::string> command;
  std::string transport = "stdio";
  std::string startedAt;  // ISO 8601 UTC
  std::string logFile;    // empty for a foreground run
  std::string state = "running";  // as last written: running or stopped
  // What `moat restart` runs again: the arguments after `moat`, and the variables naming where
  // the runtime and plugins are (DOCKER_HOST, CONTAINER_HOST, MOAT_PLUGIN_PATH) as they were.
  std::vector<std::string> runArgs;
  std::vector<std::pair<std::string, std::string>> runEnvironment;
};

// $MOAT_STATE_DIR, else $XDG_STATE_HOME/moat, else ~/.local/state/moat.
std::string stateDirectory();
std::string logFileFor(const std::string& name);

void saveWorkload(const Workload& workload);
std::optional<Workload> loadWorkload(const std::string& name);
std::vector<Workload> listWorkloads();
void removeWorkload(const std::string& name);

// Whether `pid` is alive and is a moat process (a reused pid is not mistaken for it).
bool workloadAlive(const Workload& workload);
// "running", "exited" (it died without saying so) or "stopped".
std::string observedState(const Workload& workload);

// A workload name: a-z, 0-9, '-', '_' (from --name, or derived from the command).
std::string workloadName(const std::string& requested, const std::string& command);

}  // namespace moat::cli
