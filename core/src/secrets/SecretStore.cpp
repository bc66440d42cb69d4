#include "secrets/SecretStore.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "moat/json.hpp"
#include "secrets/Keyring.h"

extern char** environ;

namespace moat::secrets {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFormat = "moat-secrets-1";
// scrypt's cost: 2^15 x 8 x 1 (32 MiB, about a tenth of a second), OWASP's floor for scrypt.
constexpr uint64_t kScryptN = 1u << 15, kScryptR = 8, kScryptP = 1;

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string unbase64(const std::string& text) {
  std::string out(3 * (text.size() / 4) + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) throw std::runtime_error("the secret store is damaged (bad base64)");
  size_t size = static_cast<size_t>(n);
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;  // EVP_DecodeBlock counts padding
  out.resize(size);
  return out;
}

std::string randomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) throw std::runtime_error("no random bytes");
  return out;
}

std::string deriveKey(const std::string& passphrase, const std::string& salt, uint64_t n, uint64_t r, uint64_t p) {
  std::string key(32, '\0');
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, r, p,
                     64u * 1024 * 1024, reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1)
    throw std::runtime_error("scrypt failed (parameters out of range)");
  return key;
}

// The header is authenticated with the ciphertext, so its parameters cannot be swapped.
std::string header(uint64_t n, uint64_t r, uint64_t p, const std::string& salt) {
  return std::string(kFormat) + "|scrypt|" + std::to_string(n) + "|" + std::to_string(r) + "|" + std::to_string(p) + "|" + salt;
}

std::string readLine(bool echo) {
  termios saved{};
  const bool terminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal && !echo) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (terminal && !echo) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  return line;
}

// The store's settings and MOAT_SECRET_* values scrubEnvironment took out of the environment, so
// this process can still read them (a reload rereads its configuration's secrets) while the
// servers it starts, which inherit the environment, cannot. Written once, before any thread.
std::map<std::string, std::string>& retained() {
  static std::map<std::string, std::string> variables;
  return variables;
}

const char* setting(const std::string& name) {
  if (const char* value = std::getenv(name.c_str())) return value;
  auto it = retained().find(name);
  return it == retained().end() ? nullptr : it->second.c_str();
}

}  // namespace

std::string passphrase(bool confirm) {
  if (const char* file = setting("MOAT_SECRETS_PASSPHRASE_FILE"); file && *file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(std::string("cannot read MOAT_SECRETS_PASSPHRASE_FILE ") + file);
    std::string line;
    std::getline(in, line);
    if (line.empty()) throw std::runtime_error(std::string("MOAT_SECRETS_PASSPHRASE_FILE ") + file + " is empty");
    return line;
  }
  if (const char* value = setting("MOAT_SECRETS_PASSPHRASE"); value && *value) return value;
  static std::string fromKeyring;  // asked once a process, like a prompt
  if (!fromKeyring.empty()) return fromKeyring;
  if (keyringAvailable()) {
    const std::string store = defaultStorePath();
    if (auto key = keyringLookup(store)) return fromKeyring = *key;
    // A new store gets a random key the keyring keeps; an existing one was made with a passphrase.
    std::error_code ignored;
    if (!fs::exists(store, ignored)) {
      const std::string key = base64(randomBytes(32));
      keyringStore(store, key);
      std::cerr << "moat: the secret store's key is kept in the desktop keyring (MOAT_SECRETS_KEYRING=off for a passphrase)" << std::endl;
      return fromKeyring = key;
    }
  }
  // Asked once a process: a run that resolves its secrets twice (to check, then to start in the
  // background) prompts once.
  static std::string prompted;
  if (!prompted.empty()) return prompted;
  if (!::isatty(STDIN_FILENO))
    throw std::runtime_error("the secret store needs a passphrase: set MOAT_SECRETS_PASSPHRASE_FILE (or MOAT_SECRETS_PASSPHRASE), run on a terminal, or keep its key in a desktop keyring");
  std::cerr << "passphrase for the secret store: " << std::flush;
  std::string first = readLine(false);
  if (confirm) {
    std::cerr << "again: " << std::flush;
    if (readLine(false) != first) throw std::runtime_error("the passphrases differ");
  }
  if (first.empty()) throw std::runtime_error("an empty passphrase is refused");
  prompted = first;
  return first;
}

std::map<std::string, std::string> EncryptedFile::load() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  json::Value doc;
  try {
    doc = json::parse(text.str());
  } catch (const std::exception&) {
    throw std::runtime_error(path_ + " is not a Moat secret store (not JSON)");
  }
  if (doc.stringOr("format", "") != kFormat) throw std::runtime_error(path_ + " is not a Moat secret store (format)");
  const json::Value* kdf = doc.find("kdf");
  if (!kdf || kdf->stringOr("name", "") != "scrypt") throw std::runtime_error(path_ + ": unknown key derivation");
  auto number = [&](const char* key) {
    const json::Value* v = kdf->find(key);
    if (!v || v->type() != json::Value::Type::Number || v->asNumber() < 1 || v->asNumber() > 1 << 22)
      throw std::runtime_error(path_ + ": kdf." + key + " out of range");
    return static_cast<uint64_t>(v->asNumber());
  };
  const uint64_t n = number("N"), r = number("r"), p = number("p");
  const std::string saltText = kdf->stringOr("salt", "");
  const std::string salt = unbase64(saltText), nonce = unbase64(doc.stringOr("nonce", "")),
                    ciphertext = unbase64(doc.stringOr("ciphertext", "")), tag = unbase64(doc.stringOr("tag", ""));
  if (nonce.size() != 12 || tag.size() != 16) throw std::runtime_error(path_ + " is damaged (nonce or tag)");
  const std::string key = deriveKey(passphrase_, salt, n, r, p);
  const std::string aad = header(n, r, p, saltText);
  std::string plain(ciphertext.size() + 16, '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0, total = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                                      reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &len,
                              reinterpret_cast<const unsigned char*>(ciphertext.data()), static_cast<int>(ciphertext.size())) == 1;
  total = len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, const_cast<char*>(tag.data())) == 1 &&
       EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()) + total, &len) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) throw std::runtime_error("wrong passphrase for " + path_ + " (or the file was altered)");
  plain.resize(static_cast<size_t>(total + len));
  std::map<std::string, std::string> out;
  const json::Value secrets = json::parse(plain);
  for (const auto& [name, value] : secrets.members())
    if (value.isString()) out[name] = value.asString();
  return out;
}

void EncryptedFile::save(const std::map<std::string, std::string>& secrets) const {
  json::Value plainDoc = json::Value::makeObject();
  for (const auto& [name, value] : secrets) plainDoc.mutableMembers()[name] = json::Value::makeString(value);
  const std::string plain = json::write(plainDoc);
  const std::string salt = randomBytes(16), nonce = randomBytes(12);
  const std::string saltText = base64(salt);
  const std::string key = deriveKey(passphrase_, salt, kScryptN, kScryptR, kScryptP);
  const std::string aad = header(kScryptN, kScryptR, kScryptP, saltText);
  std::string ciphertext(plain.size() + 16, '\0'), tag(16, '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0, total = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                                      reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(ciphertext.data()), &len,
                              reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(ciphertext.data()) + total, &len) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) throw std::runtime_error("encrypting the secret store failed");
  ciphertext.resize(static_cast<size_t>(total + len));

  json::Value kdf = json::Value::makeObject();
  kdf.mutableMembers()["name"] = json::Value::makeString("scrypt");
  kdf.mutableMembers()["N"] = json::Value::makeNumber(static_cast<double>(kScryptN));
  kdf.mutableMembers()["r"] = json::Value::makeNumber(static_cast<double>(kScryptR));
  kdf.mutableMembers()["p"] = json::Value::makeNumber(static_cast<double>(kScryptP));
  kdf.mutableMembers()["salt"] = json::Value::makeString(saltText);
  json::Value doc = json::Value::makeObject();
  doc.mutableMembers()["format"] = json::Value::makeString(kFormat);
  doc.mutableMembers()["cipher"] = json::Value::makeString("aes-256-gcm");
  doc.mutableMembers()["kdf"] = std::move(kdf);
  doc.mutableMembers()["nonce"] = json::Value::makeString(base64(nonce));
  doc.mutableMembers()["ciphertext"] = json::Value::makeString(base64(ciphertext));
  doc.mutableMembers()["tag"] = json::Value::makeString(base64(tag));

  const fs::path target(path_);
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path());
    ::chmod(target.parent_path().c_str(), 0700);
  }
  const std::string temporary = path_ + ".tmp";
  const mode_t old = ::umask(077);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << json::write(doc) << "\n";
    if (!out) {
      ::umask(old);
      throw std::runtime_error("cannot write " + temporary);
    }
  }
  ::umask(old);
  ::chmod(temporary.c_str(), 0600);
  fs::rename(temporary, target);
}

std::string defaultStorePath() {
  if (const char* path = setting("MOAT_SECRETS_FILE"); path && *path) return path;
  if (const char* dir = std::getenv("MOAT_STATE_DIR"); dir && *dir) return std::string(dir) + "/secrets.json";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::string(xdg) + "/moat/secrets.json";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw std::runtime_error("cannot find the secret store: set MOAT_STATE_DIR or HOME");
  return std::string(home) + "/.local/state/moat/secrets.json";
}

bool environmentProvider() {
  const char* provider = setting("MOAT_SECRETS_PROVIDER");
  if (!provider || !*provider || std::string(provider) == "encrypted") return false;
  if (std::string(provider) == "environment") return true;
  throw std::runtime_error(std::string("MOAT_SECRETS_PROVIDER=") + provider + ": expected encrypted or environment");
}

std::string environmentName(const std::string& name) {
  std::string out = "MOAT_SECRET_";
  for (char c : name) out += (c == '-' || c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> lookup(const std::string& name) {
  checkName(name);
  if (environmentProvider()) {
    const char* value = setting(environmentName(name));
    if (!value) return std::nullopt;
    return std::string(value);
  }
  const auto all = EncryptedFile(defaultStorePath(), passphrase(false)).load();
  auto it = all.find(name);
  if (it == all.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::string> resolve(const std::vector<std::string>& names, std::string* passphraseUsed) {
  std::map<std::string, std::string> out;
  if (names.empty()) return out;
  for (const auto& name : names) checkName(name);
  if (environmentProvider()) {
    for (const auto& name : names) {
      const char* value = setting(environmentName(name));
      if (!value) throw std::runtime_error("secret " + name + ": " + environmentName(name) + " is not set (MOAT_SECRETS_PROVIDER=environment)");
      out[name] = value;
    }
    return out;
  }
  const std::string path = defaultStorePath();
  const std::string phrase = passphrase(false);
  const auto all = EncryptedFile(path, phrase).load();
  for (const auto& name : names) {
    auto it = all.find(name);
    if (it == all.end()) throw std::runtime_error("no secret " + name + " in " + path + " (moat secret set " + name + ")");
    out[name] = it->second;
  }
  if (passphraseUsed) *passphraseUsed = phrase;
  return out;
}

void scrubEnvironment() {
  std::vector<std::string> names{"MOAT_SECRETS_PASSPHRASE", "MOAT_SECRETS_PASSPHRASE_FILE", "MOAT_SECRETS_PROVIDER", "MOAT_SECRETS_FILE"};
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    if (entry.rfind("MOAT_SECRET_", 0) == 0) names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const auto& name : names) {
    if (const char* value = std::getenv(name.c_str())) retained()[name] = value;
    ::unsetenv(name.c_str());
  }
}

bool storeSecret(const std::string& name, const std::string& value) {
  checkName(name);
  const std::string path = defaultStorePath();
  std::error_code ignored;
  EncryptedFile store(path, passphrase(!fs::exists(path, ignored)));
  auto all = store.load();
  const bool replaced = all.count(name) > 0;
  all[name] = value;
  store.save(all);
  return replaced;
}

std::optional<std::string> promptHidden(const std::string& prompt) {
  if (!::isatty(STDIN_FILENO)) return std::nullopt;
  std::cerr << prompt << std::flush;
  return readLine(false);
}

void checkName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != std::string::npos)
    throw std::runtime_error("secret name '" + name + "': use letters, digits, '_', '-' and '.' (at most 128)");
}

}  // namespace moat::secrets
