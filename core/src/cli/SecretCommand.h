// moat secret set|get|list|delete: the secret store from the command line. A value is read
// from standard input or a file, never from the command line, where `ps` would show it.
#pragma once

#include "cli/Args.h"

namespace moat::cli {

CommandSpec secretSpec();
int runSecret(const Args& args);

}  // namespace moat::cli
