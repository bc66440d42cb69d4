#include "cli/Args.h"

namespace moat::cli {

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

Args parseArgs(const CommandSpec& spec, const std::vector<std::string>& argv) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word == "--") {
      args.positionalBeforeSeparator = args.positional.size();
      args.positional.insert(args.positional.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      return args;
    }
    std::string name;
    if (word.size() == 2 && word[0] == '-' && word[1] != '-') {
      for (const auto& f : spec.flags)
        if (f.shortName == word[1]) name = f.name;
    }
    if (name.empty() && (word.rfind("--", 0) != 0 || word.size() == 2)) {
      args.positional.push_back(word);
      continue;
    }
    if (name.empty()) name = word.substr(2);
    std::optional<std::string> inlineValue;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inlineValue = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* flag = nullptr;
    for (const auto& f : spec.flags)
      if (f.name == name) flag = &f;
    if (!flag) throw UsageError("unknown flag --" + name + " for 'moat " + spec.name + "' (see moat " + spec.name + " --help)");
    if (flag->valueName.empty()) {
      if (inlineValue) throw UsageError("flag --" + name + " takes no value");
      args.values[name].push_back("true");
    } else if (inlineValue) {
      args.values[name].push_back(*inlineValue);
    } else {
      if (i + 1 >= argv.size()) throw UsageError("flag --" + name + " needs a value: --" + name + " " + flag->valueName);
      args.values[name].push_back(argv[++i]);
    }
  }
  args.positionalBeforeSeparator = args.positional.size();
  return args;
}

std::string helpText(const CommandSpec& spec) {
  std::string out = spec.summary + "\n\nUsage: " + spec.usage + "\n";
  if (!spec.flags.empty()) out += "\nFlags:\n";
  for (const auto& f : spec.flags) {
    std::string left = std::string(f.shortName ? std::string("  -") + f.shortName + ", --" : "  --") + f.name +
                       (f.valueName.empty() ? "" : " " + f.valueName);
    if (left.size() < 30) left.resize(30, ' ');
    else left += "\n" + std::string(30, ' ');
    out += left + f.help + "\n";
  }
  return out;
}

}  // namespace moat::cli
