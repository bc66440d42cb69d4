#include "container/HostFence.h"

#include <sstream>
#include <stdexcept>

#include "process/Subprocess.h"

namespace moat::container {
namespace {

// rule: {"-t", TABLE, CHAIN, spec...}
process::RunResult iptables(const std::string& action, const std::vector<std::string>& rule) {
  std::vector<std::string> argv{"iptables", "-w", "5", rule[0], rule[1], action, rule[2]};
  if (action == "-I") argv.push_back("1");
  argv.insert(argv.end(), rule.begin() + 3, rule.end());
  return process::runCaptured(argv);
}

}  // namespace

std::vector<std::vector<std::string>> fenceRules(const std::string& bridgeInterface, const std::string& tag, const std::string& address,
                                                 const std::vector<std::pair<uint16_t, uint16_t>>& redirects) {
  auto rule = [&](const char* table, const char* chain, std::vector<std::string> match, std::vector<std::string> target) {
    std::vector<std::string> out{"-t", table, chain, "-i", bridgeInterface};
    out.insert(out.end(), match.begin(), match.end());
    out.insert(out.end(), {"-m", "comment", "--comment", tag, "-j"});
    out.insert(out.end(), target.begin(), target.end());
    return out;
  };
  std::vector<std::vector<std::string>> rules;
  for (const auto& [dialed, listener] : redirects)
    rules.push_back(rule("nat", "PREROUTING", {"-d", address + "/32", "-p", "tcp", "-m", "tcp", "--dport", std::to_string(dialed)},
                         {"DNAT", "--to-destination", address + ":" + std::to_string(listener)}));
  rules.push_back(rule("filter", "INPUT", {"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"}, {"ACCEPT"}));
  for (const auto& [dialed, listener] : redirects)
    rules.push_back(rule("filter", "INPUT", {"-d", address + "/32", "-p", "tcp", "-m", "tcp", "--dport", std::to_string(listener)}, {"ACCEPT"}));
  rules.push_back(rule("filter", "INPUT", {}, {"DROP"}));
  return rules;
}

HostFence::HostFence(const std::string& bridgeInterface, const std::string& tag, const std::string& address,
                     const std::vector<std::pair<uint16_t, uint16_t>>& redirects) {
  auto rules = fenceRules(bridgeInterface, tag, address, redirects);
  // Each insert goes to the top of its chain, so the last rule is inserted first.
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    process::RunResult result = iptables("-I", *it);
    if (result.exitCode != 0) {
      for (const auto& done : added_) iptables("-D", done);
      throw std::runtime_error("cannot fence the container network off the host (iptables, as root): " + result.output);
    }
    added_.push_back(*it);
  }
}

HostFence::~HostFence() {
  for (const auto& rule : added_) iptables("-D", rule);
}

void HostFence::removeTagged(const std::string& tag) {
  for (const auto& [table, chain] : {std::pair{"filter", "INPUT"}, std::pair{"nat", "PREROUTING"}}) {
    process::RunResult listed = process::runCaptured({"iptables", "-w", "5", "-t", table, "-S", chain});
    if (listed.exitCode != 0) continue;
    std::stringstream lines(listed.output);
    std::string line;
    const std::string prefix = std::string("-A ") + chain + " ";
    while (std::getline(lines, line)) {
      if (line.rfind(prefix, 0) != 0 || line.find("--comment " + tag + " ") == std::string::npos) continue;
      std::vector<std::string> rule{"-t", table, chain};
      std::stringstream words(line.substr(prefix.size()));
      for (std::string word; words >> word;) rule.push_back(word);
      iptables("-D", rule);
    }
  }
}

}  // namespace moat::container
