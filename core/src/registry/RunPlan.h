// A registry entry turned into what `moat run` starts: which package, through which runtime,
// with which arguments, environment and secrets. Only names of secrets leave this plan.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "registry/ServerJson.h"

namespace moat::registry {

struct RunChoices {
  std::string runtime;                      // as --runtime asked, or empty
  std::set<std::string> providedVariables;  // set by -e, --env-file or --secret ... target=
  std::vector<std::string> userArguments;   // after the name: required positionals, then extra
};

struct RunPlan {
  std::string runtime;               // process | docker | podman
  std::vector<std::string> command;  // the program or image, then its arguments
  std::string transport = "stdio";
  uint16_t targetPort = 0;           // HTTP transports, in the container
  std::vector<std::pair<std::string, std::string>> environment;
  struct SecretNeed {
    std::string variable, description;
  };
  std::vector<SecretNeed> secrets;  // each variable from the secret of the same name
  std::vector<std::string> egress;
  std::string package;               // "npm @scope/name@1.2.3", for messages
  std::vector<std::string> notes;    // what moat leaves out, and why
};

// Throws RegistryError saying what the user can do (a runtime flag, an -e, a secret to set).
RunPlan planRun(const ServerEntry& entry, const RunChoices& choices);

// How the plan reads on a command line (secrets by name only).
std::string describePlan(const RunPlan& plan);

}  // namespace moat::registry
