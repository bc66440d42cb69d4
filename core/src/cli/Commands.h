// The moat subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "cli/Args.h"

namespace moat::cli {

struct Command {
  CommandSpec spec;
  int (*run)(const Args& args);
};

const std::vector<Command>& commands();

int runServe(const Args& args);
int runReload(const Args& args);
int runProxy(const Args& args);
int runValidate(const Args& args);
int runPlugins(const Args& args);
int runVersion(const Args& args);

}  // namespace moat::cli
