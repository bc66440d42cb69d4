#include "container/NpxImage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "crypto/Sha256.h"
#include "process/Subprocess.h"
#include "moat/json.hpp"
#include "crypto/PercentEncoding.h"

namespace fs = std::filesystem;

namespace moat::container {
namespace {

bool nameCharacter(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~'; }

std::string findInPath(const std::string& program) {
  if (program.find('/') != std::string::npos) return fs::absolute(program).string();
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return dir + "/" + program;
  throw std::runtime_error("npx:// needs " + program + " on this machine (set MOAT_NPX_NODE to its path)");
}

std::string lastLines(const std::string& text, size_t count) {
  size_t pos = text.size();
  for (size_t i = 0; i <= count && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
  return text.substr(pos == std::string::npos ? 0 : pos + 1);
}

void copyInto(const fs::path& root, const std::string& file) {
  fs::path target = root / fs::path(file).relative_path();
  fs::create_directories(target.parent_path());
  fs::copy_file(fs::canonical(file), target, fs::copy_options::overwrite_existing);
}

void writeFile(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// The script `npx PACKAGE` would run: the package's only bin, or the one named like it.
std::string binScript(const fs::path& packageDir, const NpxPackage& package) {
  std::ifstream in(packageDir / "package.json");
  if (!in) throw std::runtime_error("npm installed " + package.spec + " but left no " + (packageDir / "package.json").string());
  std::stringstream text;
  text << in.rdbuf();
  json::Value manifest = json::parse(text.str());
  const json::Value* bin = manifest.find("bin");
  if (bin && bin->isString()) return bin->asString();
  if (bin && bin->isObject() && !bin->members().empty()) {
    std::string unscoped = package.name.substr(package.name.rfind('/') + 1);
    if (auto it = bin->members().find(unscoped); it != bin->members().end()) return it->second.asString();
    if (bin->members().size() == 1) return bin->members().begin()->second.asString();
    throw std::runtime_error(package.name + " has several commands and none is named " + unscoped + "; run one with upstream.command");
  }
  throw std::runtime_error(package.name + " has no command (no \"bin\" in its package.json)");
}

class StagingDirectory {
 public:
  StagingDirectory() {
    std::string pattern = (fs::temp_directory_path() / "moat-npx-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a staging directory in " + fs::temp_directory_path().string());
    path_ = pattern;
  }
  ~StagingDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

NpxPackage parseNpxPackage(const std::string& spec) {
  auto refuse = [&](const std::string& why) -> NpxPackage { throw std::runtime_error("npx://" + spec + ": " + why); };
  if (spec.empty()) return refuse("give a package name, like npx://@modelcontextprotocol/server-everything");
  size_t nameEnd = spec.find('@', spec[0] == '@' ? 1 : 0);
  std::string name = spec.substr(0, nameEnd);
  std::string version = nameEnd == std::string::npos ? "" : spec.substr(nameEnd + 1);
  std::string bare = name[0] == '@' ? name.substr(1) : name;
  size_t slash = bare.find('/');
  if (name[0] == '@' && (slash == std::string::npos || slash == 0 || slash + 1 == bare.size())) return refuse("a scoped name is @scope/name");
  if (name[0] != '@' && slash != std::string::npos) return refuse("not an npm package name");
  for (char c : bare)
    if (!nameCharacter(c) && c != '/') return refuse("not an npm package name");
  if (bare[0] == '.' || bare[0] == '-' || bare[0] == '_') return refuse("not an npm package name");
  if (nameEnd != std::string::npos && version.empty()) return refuse("empty version after @");
  for (char c : version)
    if (!nameCharacter(c) && c != '^' && c != '+') return refuse("not a version or tag: " + version);
  return {spec, name};
}

std::vector<std::string> sharedLibraryPaths(const std::string& lddOutput) {
  std::vector<std::string> paths;
  std::stringstream lines(lddOutput);
  std::string line;
  while (std::getline(lines, line)) {
    size_t arrow = line.find("=> ");
    size_t start = arrow != std::string::npos ? arrow + 3 : line.find_first_not_of(" \t");
    if (start == std::string::npos || start >= line.size() || line[start] != '/') continue;
    size_t end = line.find(' ', start);
    paths.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
  }
  return paths;
}

BuiltImage ensureNpxImage(const EngineClient& engine, const Host& host, const NpxPackage& package, const std::string& node) {
  std::string nodePath = findInPath(node);
  struct stat nodeStat {};
  if (::stat(nodePath.c_str(), &nodeStat) != 0) throw std::runtime_error("npx:// cannot use " + nodePath);
  std::string repository = "moat-npx/";
  for (char c : package.name.substr(package.name[0] == '@' ? 1 : 0)) repository += (c == '/' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string tag = crypto::hex(crypto::sha256(package.spec + "\n" + nodePath + "\n" + std::to_string(nodeStat.st_size) + "\n" + std::to_string(nodeStat.st_mtime)), 6);
  BuiltImage image{repository + ":" + tag, {}, false};

  // The entrypoint is recorded as a label, so a cached image needs no npm at all.
  auto existing = engine.call("GET", "/images/" + image.reference + "/json");
  if (existing.status == 200) {
    json::Value inspected = json::parse(existing.body);
    const json::Value* config = inspected.find("Config");
    const json::Value* labels = config ? config->find("Labels") : nullptr;
    std::string script = labels && labels->isObject() ? labels->stringOr("moat.npx.script", "") : "";
    if (!script.empty()) {
      image.entrypoint = {"/usr/local/bin/node", script};
      image.reused = true;
      return image;
    }
  }

  host.info("building image " + image.reference + " for npx://" + package.spec + " (npm install on this machine)");
  StagingDirectory staging;
  const fs::path root = staging.path() / "rootfs";
  fs::create_directories(root / "app");
  process::RunResult npm = process::runCaptured({"npm", "install", "--prefix", (root / "app").string(), "--omit=dev", "--no-audit", "--no-fund",
                               "--no-save", "--loglevel=error", package.spec});
  if (npm.exitCode != 0) throw std::runtime_error("npm install " + package.spec + " failed:\n" + lastLines(npm.output, 6));
  fs::path packageDir = root / "app" / "node_modules" / package.name;
  std::string script = (fs::path("/app/node_modules") / package.name / binScript(packageDir, package)).lexically_normal().string();

  fs::create_directories(root / "usr/local/bin");
  fs::copy_file(fs::canonical(nodePath), root / "usr/local/bin/node");
  process::RunResult ldd = process::runCaptured({"ldd", nodePath});
  if (ldd.exitCode != 0) throw std::runtime_error("ldd " + nodePath + " failed: " + lastLines(ldd.output, 3));
  for (const auto& library : sharedLibraryPaths(ldd.output)) copyInto(root, library);
  writeFile(root / "etc/passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
  writeFile(root / "etc/group", "root:x:0:\nnogroup:x:65534:\n");
  fs::create_directories(root / "tmp");
  fs::permissions(root / "tmp", fs::perms::all | fs::perms::sticky_bit);

  // The tag goes inside `repo` (the API allows it): Podman's compatible import ignores `tag`.
  std::string changes = "LABEL moat.npx.script=" + script;
  std::string path = "/images/create?fromSrc=-&repo=" + crypto::formUrlEncode(image.reference) + "&changes=" + crypto::formUrlEncode(changes);
  process::Spawned tar = process::spawn({{"tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root.string(), "-cf", "-", "."}, {}, process::SpawnOptions::Output::Pipe});
  EngineClient::Response imported;
  try {
    imported = engine.upload(path, tar.output, "application/x-tar");
  } catch (...) {
    ::close(tar.output);
    process::waitForExit(tar.pid);
    throw;
  }
  ::close(tar.output);
  int tarExit = process::waitForExit(tar.pid);
  if (tarExit != 0) throw std::runtime_error("tar of the image for npx://" + package.spec + " failed (exit " + std::to_string(tarExit) + ")");
  if (imported.status != 200 || imported.body.find("\"error") != std::string::npos)
    throw std::runtime_error(engineName(engine.engine()) + " refused to import the image for npx://" + package.spec + ": " + engineError(imported));
  image.entrypoint = {"/usr/local/bin/node", script};
  host.info("built image " + image.reference);
  return image;
}

}  // namespace moat::container
