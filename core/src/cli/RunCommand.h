// `moat run -- COMMAND ARGS...` (or an image with a container runtime): an MCP server served on
// one local URL, in the foreground or detached; and `moat list/stop/restart/rm/logs` for the
// detached ones (ToolHive's `thv run`).
#pragma once

#include "cli/Args.h"
#include "config/Config.h"

namespace moat::cli {

const std::vector<FlagSpec>& runFlags();
// The gateway configuration `moat run` serves. Throws UsageError.
config::Config configFromRunFlags(const Args& args, const std::string& name);

int runRun(const Args& args);
int runList(const Args& args);
int runStop(const Args& args);
int runRestart(const Args& args);
int runRm(const Args& args);
int runLogs(const Args& args);

}  // namespace moat::cli
