#include "cli/SecretCommand.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>

#include "secrets/SecretStore.h"

namespace moat::cli {
namespace {

std::string readValue(const Args& args) {
  std::string value;
  if (auto file = args.get("from-file")) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + *file);
    value.assign(std::istreambuf_iterator<char>(in), {});
  } else {
    if (::isatty(STDIN_FILENO)) std::cerr << "value (one line): " << std::flush;
    value.assign(std::istreambuf_iterator<char>(std::cin), {});
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) throw std::runtime_error("an empty value is refused");
  return value;
}

std::string nameArgument(const Args& args, const char* action) {
  if (args.positional.size() != 2) throw UsageError(std::string("usage: moat secret ") + action + " NAME");
  secrets::checkName(args.positional[1]);
  return args.positional[1];
}

}  // namespace

CommandSpec secretSpec() {
  return {"secret", "keep secrets by name in an encrypted store (or read them from MOAT_SECRET_<NAME> in CI)",
          "moat secret set NAME [--from-file F]   (the value from standard input or F, never the command line)\n"
          "       moat secret get NAME | list | delete NAME",
          {{"from-file", "FILE", "set: read the value from FILE instead of standard input"}}};
}

namespace {

int secretAction(const Args& args) {
  if (args.positional.empty()) throw UsageError("usage: moat secret set|get|list|delete [NAME]");
  const std::string& action = args.positional[0];
  if (secrets::environmentProvider()) {
    if (action != "get") throw std::runtime_error("MOAT_SECRETS_PROVIDER=environment reads MOAT_SECRET_<NAME>; set, list and delete are for the encrypted store");
    const std::string name = nameArgument(args, "get");
    auto value = secrets::lookup(name);
    if (!value) throw std::runtime_error(secrets::environmentName(name) + " is not set");
    std::fwrite(value->data(), 1, value->size(), stdout);
    std::fputc('\n', stdout);
    return 0;
  }
  const std::string path = secrets::defaultStorePath();
  if (action == "set") {
    const std::string name = nameArgument(args, "set");
    const std::string value = readValue(args);
    const bool replaced = secrets::storeSecret(name, value);
    std::fprintf(stderr, "moat: %s secret %s in %s\n", replaced ? "replaced" : "stored", name.c_str(), path.c_str());
    return 0;
  }
  if (action == "get") {
    const std::string name = nameArgument(args, "get");
    const auto all = secrets::EncryptedFile(path, secrets::passphrase(false)).load();
    auto it = all.find(name);
    if (it == all.end()) throw std::runtime_error("no secret " + name + " in " + path);
    std::fwrite(it->second.data(), 1, it->second.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
  }
  if (action == "list") {
    if (args.positional.size() != 1) throw UsageError("usage: moat secret list");
    if (!std::ifstream(path).good()) return 0;
    for (const auto& [name, value] : secrets::EncryptedFile(path, secrets::passphrase(false)).load()) std::printf("%s\n", name.c_str());
    return 0;
  }
  if (action == "delete") {
    const std::string name = nameArgument(args, "delete");
    secrets::EncryptedFile store(path, secrets::passphrase(false));
    auto all = store.load();
    if (!all.erase(name)) throw std::runtime_error("no secret " + name + " in " + path);
    store.save(all);
    std::fprintf(stderr, "moat: deleted secret %s\n", name.c_str());
    return 0;
  }
  throw UsageError("moat secret: unknown action " + action + " (set, get, list or delete)");
}

}  // namespace

int runSecret(const Args& args) {
  try {
    return secretAction(args);
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moat: %s\n", e.what());
    return 1;
  }
}

}  // namespace moat::cli
