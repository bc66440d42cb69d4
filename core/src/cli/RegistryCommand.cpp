#include "cli/RegistryCommand.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "registry/Registry.h"
#include "registry/RunPlan.h"
#include "secrets/SecretStore.h"

namespace moat::cli {
namespace {

registry::Registry openRegistry(const Args& args) {
  try {
    return registry::Registry(registry::registrySources(args.all("registry")));
  } catch (const registry::RegistryError& e) {
    throw UsageError(e.what());
  }
}

void printTable(const std::vector<registry::ServerEntry>& entries) {
  std::printf("%-52s %-10s %-8s %s\n", "NAME", "VERSION", "PACKAGE", "DESCRIPTION");
  for (const auto& entry : entries) {
    std::string kinds;
    for (const auto& package : entry.packages) kinds += (kinds.empty() ? "" : ",") + package.registryType;
    if (!entry.remotes.empty()) kinds += kinds.empty() ? "remote" : ",remote";
    std::string description = entry.description.size() > 70 ? entry.description.substr(0, 67) + "..." : entry.description;
    std::printf("%-52s %-10s %-8s %s\n", entry.name.c_str(), entry.version.c_str(), kinds.c_str(), description.c_str());
  }
}

int info(const registry::Registry& reg, const std::string& name) {
  auto entry = reg.find(name);
  if (!entry) {
    std::fprintf(stderr, "moat: no server named %s in the registry (moat registry search WORD)\n", name.c_str());
    return 1;
  }
  std::printf("name:        %s\n", entry->name.c_str());
  if (!entry->title.empty()) std::printf("title:       %s\n", entry->title.c_str());
  std::printf("description: %s\nversion:     %s\nfrom:        %s\n", entry->description.c_str(), entry->version.c_str(), entry->source.c_str());
  if (!entry->repository.empty()) std::printf("repository:  %s\n", entry->repository.c_str());
  for (const auto& package : entry->packages) {
    std::printf("package:     %s %s%s (%s)\n", package.registryType.c_str(), package.identifier.c_str(),
                package.version.empty() ? "" : (" " + package.version).c_str(), package.transport.c_str());
    for (const auto& variable : package.environment)
      std::printf("  env %-20s %s%s%s\n", variable.name.c_str(), variable.isRequired ? "required " : "optional ", variable.isSecret ? "secret " : "",
                  variable.description.c_str());
  }
  for (const auto& remote : entry->remotes) std::printf("remote:      %s %s\n", remote.type.c_str(), remote.url.c_str());
  if (entry->egressDeclared) {
    std::string rules;
    for (const auto& rule : entry->egress) rules += (rules.empty() ? "" : ", ") + rule;
    std::printf("egress:      %s\n", rules.empty() ? "none" : rules.c_str());
  }
  try {
    registry::RunPlan plan = registry::planRun(*entry, {});
    std::printf("runs as:     %s\n", registry::describePlan(plan).c_str());
    for (const auto& note : plan.notes) std::printf("note:        %s\n", note.c_str());
  } catch (const registry::RegistryError& e) {
    std::printf("runs as:     - (%s)\n", e.what());
  }
  return 0;
}

// Whether `word` names a program on $PATH (or a path), so a typo is not taken for a command.
bool isProgram(const std::string& word) {
  if (word.find('/') != std::string::npos) return true;
  std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');) {
    std::error_code ignored;
    if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / word, ignored)) return true;
  }
  return false;
}

// On a terminal, a required secret the store lacks is asked for (without echo) and stored
// under the variable's name, as `moat secret set` would; elsewhere the run's own check refuses it.
void askForMissingSecret(const registry::ServerEntry& entry, const std::string& variable, const std::string& description) {
  if (secrets::environmentProvider() || !::isatty(STDIN_FILENO)) return;
  try {
    if (secrets::lookup(variable)) return;
    auto value = secrets::promptHidden(entry.shortName() + " needs " + variable + (description.empty() ? "" : " (" + description + ")") +
                                       "; it will be kept as secret " + variable + ": ");
    if (!value || value->empty()) throw UsageError(entry.name + " needs the secret " + variable + ": moat secret set " + variable);
    secrets::storeSecret(variable, *value);
  } catch (const UsageError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

}  // namespace

CommandSpec registrySpec() {
  return {"registry", "the MCP servers moat run starts by name (official MCP registry server.json format)",
          "moat registry list | search WORD | info NAME [--registry FILE|URL]...\n"
          "       (built-in entries, then $MOAT_REGISTRY and --registry: server.json files or MCP Registry API URLs)",
          {{"registry", "FILE|URL", "also read this server.json file (or array of them), or this MCP Registry API (repeatable)"}}};
}

int runRegistry(const Args& args) {
  if (args.positional.empty()) throw UsageError("usage: moat registry list | search WORD | info NAME");
  const std::string& action = args.positional[0];
  registry::Registry reg = openRegistry(args);
  try {
    if (action == "list" && args.positional.size() == 1) {
      printTable(reg.list());
      return 0;
    }
    if (action == "search" && args.positional.size() == 2) {
      auto found = reg.search(args.positional[1]);
      if (found.empty()) {
        std::fprintf(stderr, "moat: nothing in the registry matches %s\n", args.positional[1].c_str());
        return 1;
      }
      printTable(found);
      return 0;
    }
    if (action == "info" && args.positional.size() == 2) return info(reg, args.positional[1]);
  } catch (const registry::RegistryError& e) {
    std::fprintf(stderr, "moat: %s\n", e.what());
    return 1;
  }
  throw UsageError("usage: moat registry list | search WORD | info NAME");
}

std::optional<Args> registryRunArgs(const Args& args) {
  if (args.positional.empty() || args.positionalBeforeSeparator == 0) return std::nullopt;
  const std::string& name = args.positional.front();
  if (name.rfind("npx://", 0) == 0) return std::nullopt;
  const bool container = args.get("runtime").value_or("process") != "process";
  registry::Registry reg = openRegistry(args);
  std::optional<registry::ServerEntry> entry;
  try {
    entry = reg.find(name);
  } catch (const registry::RegistryError& e) {
    // An image or a program given as such still runs when a registry API is down.
    if (!container && !isProgram(name)) throw UsageError(e.what());
    std::fprintf(stderr, "moat: the registry was not asked about %s (%s); running it as given\n", name.c_str(), e.what());
    return std::nullopt;
  }
  if (!entry) {
    if (!container && !isProgram(name))
      throw UsageError(name + " is neither a server in the registry (moat registry search WORD) nor a program on PATH");
    return std::nullopt;
  }
  registry::RunChoices choices;
  choices.runtime = args.get("runtime").value_or("");
  for (const auto& pair : args.all("env")) choices.providedVariables.insert(pair.substr(0, pair.find('=')));
  for (const auto& secret : args.all("secret")) choices.providedVariables.insert(secret.substr(secret.find(",target=") == std::string::npos ? 0 : secret.find(",target=") + 8));
  if (!args.all("env-file").empty()) throw UsageError("--env-file with a registry name: pass the variables with -e or --secret");
  choices.userArguments.assign(args.positional.begin() + 1, args.positional.end());
  registry::RunPlan plan;
  try {
    plan = registry::planRun(*entry, choices);
  } catch (const registry::RegistryError& e) {
    throw UsageError(e.what());
  }
  Args resolved = args;
  resolved.positional = plan.command;
  resolved.positionalBeforeSeparator = 0;
  resolved.values["runtime"] = {plan.runtime};
  if (!args.get("name")) resolved.values["name"] = {entry->shortName()};
  if (plan.transport != "stdio") {
    resolved.values["transport"] = {plan.transport};
    resolved.values["target-port"] = {std::to_string(plan.targetPort)};
  }
  for (const auto& rule : plan.egress) resolved.values["allow-egress"].push_back(rule);
  for (const auto& [variable, value] : plan.environment) resolved.values["env"].push_back(variable + "=" + value);
  for (const auto& secret : plan.secrets) {
    askForMissingSecret(*entry, secret.variable, secret.description);
    resolved.values["secret"].push_back(secret.variable + ",target=" + secret.variable);
  }
  resolved.values.erase("registry");
  std::fprintf(stderr, "moat: %s from the registry (%s): %s\n", entry->name.c_str(), entry->source.c_str(), plan.package.c_str());
  for (const auto& note : plan.notes) std::fprintf(stderr, "moat: note: %s\n", note.c_str());
  return resolved;
}

}  // namespace moat::cli
