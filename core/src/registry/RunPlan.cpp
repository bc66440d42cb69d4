#include "registry/RunPlan.h"

#include <algorithm>

namespace moat::registry {
namespace {

const Package* choosePackage(const ServerEntry& entry, const std::string& runtime) {
  auto first = [&](const char* type) -> const Package* {
    for (const auto& package : entry.packages)
      if (package.registryType == type) return &package;
    return nullptr;
  };
  const bool container = runtime == "docker" || runtime == "podman";
  for (const char* type : container ? std::vector<const char*>{"oci", "npm"} : runtime == "process" ? std::vector<const char*>{"npm", "pypi"}
                                                                                                : std::vector<const char*>{"npm", "pypi", "oci"})
    if (const Package* package = first(type)) return package;
  std::string published;
  for (const auto& package : entry.packages) published += (published.empty() ? "" : ", ") + package.registryType;
  for (const auto& remote : entry.remotes) published += (published.empty() ? "remote " : ", remote ") + remote.url;
  const std::string hint = runtime == "process" && first("oci") ? " (it has an image: add --runtime docker or --runtime podman)"
                           : container && first("pypi")        ? " (its PyPI package runs as a local process: leave out --runtime)"
                           : !entry.remotes.empty()            ? " (a hosted server: moat proxy " + entry.shortName() + " --target-uri URL)"
                                                               : "";
  throw RegistryError(entry.name + " is published as " + published + "; moat run starts npm and PyPI packages and OCI images" + hint);
}

// Arguments in the order the entry lists them; required positionals take the user's words.
std::vector<std::string> argumentWords(const std::vector<Argument>& arguments, const ServerEntry& entry, std::vector<std::string>& userWords) {
  std::vector<std::string> words;
  for (const auto& argument : arguments) {
    const std::string label = argument.type == "named" ? argument.name : "<" + (argument.valueHint.empty() ? std::string("value") : argument.valueHint) + ">";
    std::optional<std::string> value = argument.value ? argument.value : argument.defaultValue;
    if (argument.hasVariables) throw RegistryError(entry.name + ": argument " + label + " takes {variables} moat does not fill in; run the package yourself with moat run -- COMMAND");
    if (!value && argument.type == "positional" && !userWords.empty()) {
      value = userWords.front();
      userWords.erase(userWords.begin());
    }
    if (!value) {
      if (!argument.isRequired) continue;
      throw RegistryError(entry.name + " needs " + label + (argument.description.empty() ? "" : " (" + argument.description + ")") +
                          (argument.type == "positional" ? ": give it after the name, moat run " + entry.shortName() + " VALUE" : ", which moat cannot pass yet"));
    }
    if (argument.type == "named") words.push_back(argument.name);
    words.push_back(*value);
  }
  return words;
}

uint16_t portOf(const std::string& url, const std::string& name) {
  size_t scheme = url.find("://");
  size_t colon = url.find(':', scheme == std::string::npos ? 0 : scheme + 3);
  if (colon == std::string::npos) return 80;
  size_t end = url.find_first_not_of("0123456789", colon + 1);
  std::string digits = url.substr(colon + 1, end == std::string::npos ? std::string::npos : end - colon - 1);
  if (digits.empty() || digits.size() > 5 || std::stoi(digits) > 65535 || std::stoi(digits) == 0)
    throw RegistryError(name + " listens at " + url + ", whose port moat cannot read (templated URLs are not supported)");
  return static_cast<uint16_t>(std::stoi(digits));
}

}  // namespace

RunPlan planRun(const ServerEntry& entry, const RunChoices& choices) {
  const Package& package = *choosePackage(entry, choices.runtime);
  RunPlan plan;
  const bool image = package.registryType == "oci";
  const bool containerAsked = choices.runtime == "docker" || choices.runtime == "podman";
  plan.runtime = containerAsked ? choices.runtime : image ? "docker" : "process";  // npm in a container: npx://
  plan.package = package.registryType + " " + package.identifier + (package.version.empty() || image ? "" : "@" + package.version);
  std::vector<std::string> userWords = choices.userArguments;
  std::vector<std::string> packageWords = argumentWords(package.packageArguments, entry, userWords);
  std::string versioned = package.identifier;
  if (package.registryType == "npm") {
    if (!package.version.empty()) versioned += "@" + package.version;
    if (plan.runtime == "process") {
      plan.command = {"npx", "-y", versioned};
    } else {
      plan.command = {"npx://" + versioned};
    }
  } else if (package.registryType == "pypi") {
    if (!package.version.empty()) versioned += "==" + package.version;
    plan.command = {"uvx", "--from", versioned, package.identifier};
  } else {
    // An image names its tag itself; the version only fills one in when it does not.
    const size_t lastSlash = versioned.rfind('/');
    const bool tagged = versioned.find(':', lastSlash == std::string::npos ? 0 : lastSlash) != std::string::npos || versioned.find('@') != std::string::npos;
    if (!tagged && !package.version.empty()) versioned += ":" + package.version;
    plan.command = {versioned};
  }
  if (!package.runtimeArguments.empty())
    plan.notes.push_back("the registry's runtimeArguments are not used: moat's runtime decides the process's or container's options");
  plan.command.insert(plan.command.end(), packageWords.begin(), packageWords.end());
  plan.command.insert(plan.command.end(), userWords.begin(), userWords.end());

  plan.transport = package.transport;
  if (package.transport != "stdio") {
    if (plan.runtime == "process") throw RegistryError(entry.name + " speaks " + package.transport + " over HTTP: moat runs that from an image only (--runtime docker)");
    plan.targetPort = portOf(package.transportUrl, entry.name);
  }
  for (const auto& variable : package.environment) {
    if (choices.providedVariables.count(variable.name)) continue;
    if (variable.isSecret) {
      if (variable.isRequired) plan.secrets.push_back({variable.name, variable.description});
      else plan.notes.push_back("optional secret " + variable.name + " not set (add --secret NAME,target=" + variable.name + ")");
      continue;
    }
    std::optional<std::string> value = variable.value ? variable.value : variable.defaultValue;
    if (value) {
      plan.environment.emplace_back(variable.name, *value);
    } else if (variable.isRequired) {
      throw RegistryError(entry.name + " needs " + variable.name + (variable.description.empty() ? "" : " (" + variable.description + ")") + ": add -e " + variable.name + "=VALUE");
    }
  }
  if (plan.runtime != "process") plan.egress = entry.egress;
  return plan;
}

std::string describePlan(const RunPlan& plan) {
  std::string out = "moat run";
  if (plan.runtime != "process") out += " --runtime " + plan.runtime;
  if (plan.transport != "stdio") out += " --transport " + plan.transport + " --target-port " + std::to_string(plan.targetPort);
  for (const auto& rule : plan.egress) out += " --allow-egress " + rule;
  for (const auto& [name, value] : plan.environment) out += " -e " + name + "=" + value;
  for (const auto& secret : plan.secrets) out += " --secret " + secret.variable + ",target=" + secret.variable;
  out += plan.runtime == "process" ? " --" : "";
  for (const auto& word : plan.command) out += " " + word;
  return out;
}

}  // namespace moat::registry
