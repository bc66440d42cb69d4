#include <cstdio>
#include <string>
#include <vector>

#include "cli/AllocatorTuning.h"
#include "cli/Commands.h"

namespace {

void printOverview() {
  std::string text =
      "moat - an identity-aware gateway for Model Context Protocol servers\n\n"
      "Usage: moat <command> [flags]\n\nCommands:\n";
  for (const auto& command : moat::cli::commands()) {
    std::string name = "  " + command.spec.name;
    name.resize(14, ' ');
    text += name + command.spec.summary + "\n";
  }
  text += "\nRun 'moat <command> --help' for a command's flags.\n";
  std::fputs(text.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  moat::cli::tuneAllocator(argv);
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    printOverview();
    return words.empty() ? 2 : 0;
  }
  for (const auto& command : moat::cli::commands()) {
    if (command.spec.name != words[0]) continue;
    std::vector<std::string> rest(words.begin() + 1, words.end());
    for (const auto& w : rest) {
      if (w == "--") break;
      if (w == "--help" || w == "-h") {
        std::fputs(moat::cli::helpText(command.spec).c_str(), stdout);
        return 0;
      }
    }
    try {
      return command.run(moat::cli::parseArgs(command.spec, rest));
    } catch (const moat::cli::UsageError& e) {
      std::fprintf(stderr, "moat: %s\n", e.what());
      return 2;
    }
  }
  std::fprintf(stderr, "moat: unknown command '%s' (see moat --help)\n", words[0].c_str());
  return 2;
}
