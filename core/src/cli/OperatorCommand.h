// `moat operator`: the Kubernetes controller for MCPServer resources.
#pragma once

#include "cli/Args.h"

namespace moat::cli {

CommandSpec operatorSpec();
int runOperator(const Args& args);

}  // namespace moat::cli
