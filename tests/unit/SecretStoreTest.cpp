#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "secrets/SecretStore.h"

using moat::secrets::EncryptedFile;

namespace {

std::string tempPath(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()) + ".json")).string();
}

std::string contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("the encrypted store round-trips, with a new salt and nonce on every save") {
  const std::string path = tempPath("moat-secrets-roundtrip");
  EncryptedFile store(path, "passphrase one");
  CHECK(store.load().empty());  // no file yet: an empty store
  store.save({{"a", "alpha-value"}, {"b", "beta"}});
  const std::string first = contents(path);
  CHECK(first.find("alpha-value") == std::string::npos);
  store.save({{"a", "alpha-value"}, {"b", "beta"}});
  CHECK(contents(path) != first);
  const auto loaded = store.load();
  CHECK(loaded.at("a") == "alpha-value");
  CHECK(loaded.at("b") == "beta");
  std::filesystem::remove(path);
}

TEST_CASE("a wrong passphrase, an altered ciphertext and an altered header are all refused") {
  const std::string path = tempPath("moat-secrets-tamper");
  EncryptedFile(path, "right").save({{"k", "v"}});
  CHECK_THROWS_WITH(EncryptedFile(path, "wrong").load(), Catch::Contains("wrong passphrase"));
  std::string text = contents(path);
  const size_t at = text.find("\"ciphertext\":\"") + 14;
  text[at] = text[at] == 'A' ? 'B' : 'A';
  std::ofstream(path) << text;
  CHECK_THROWS(EncryptedFile(path, "right").load());
  EncryptedFile(path, "right").save({{"k", "v"}});
  text = contents(path);
  const size_t n = text.find("\"N\":32768");
  REQUIRE(n != std::string::npos);
  text.replace(n, 9, "\"N\":16384");  // cheaper key derivation smuggled into the header
  std::ofstream(path) << text;
  CHECK_THROWS(EncryptedFile(path, "right").load());
  std::filesystem::remove(path);
}

TEST_CASE("secret names and their environment variables") {
  CHECK(moat::secrets::environmentName("github-token.v2") == "MOAT_SECRET_GITHUB_TOKEN_V2");
  CHECK_THROWS(moat::secrets::checkName("has space"));
  CHECK_THROWS(moat::secrets::checkName(""));
  CHECK_NOTHROW(moat::secrets::checkName("a_b-c.d"));
}
