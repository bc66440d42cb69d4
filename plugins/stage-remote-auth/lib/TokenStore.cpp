#include "TokenStore.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "moat/json.hpp"

namespace fs = std::filesystem;

namespace moat::remoteauth {
namespace {

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Written to a temporary file with mode 0600 and renamed, so no reader sees half of it.
void writePrivateFile(const std::string& path, const std::string& bytes) {
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + temporary + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace

std::string sealText(const std::string& key, const std::string& plain) {
  std::string nonce(12, '\0');
  // A nonce that is not fresh would reuse a GCM nonce under the same key: refuse rather than seal.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), 12) != 1) throw std::runtime_error("no randomness for the nonce");
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out = nonce + std::string(plain.size(), '\0');
  int length = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                                 reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data() + 12), &length, reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data() + 12 + length), &length) != 1)
    throw std::runtime_error("encryption failed");
  std::string tag(16, '\0');
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag.data()) != 1) throw std::runtime_error("encryption failed");
  return out + tag;
}

std::string openText(const std::string& key, const std::string& sealed) {
  if (sealed.size() < 28) throw std::runtime_error("too short");
  std::string nonce = sealed.substr(0, 12), tag = sealed.substr(sealed.size() - 16);
  std::string cipher = sealed.substr(12, sealed.size() - 28);
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string plain(cipher.size(), '\0');
  int length = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                                 reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &length, reinterpret_cast<const unsigned char*>(cipher.data()),
                        static_cast<int>(cipher.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data() + length), &length) != 1)
    throw std::runtime_error("cannot decrypt (wrong key or altered file)");
  return plain;
}

TokenStore::TokenStore(std::string directory, std::string name) : directory_(std::move(directory)), name_(std::move(name)) {}

std::string TokenStore::path() const { return directory_ + "/" + name_ + ".login"; }

std::string TokenStore::key() const {
  fs::create_directories(directory_);
  ::chmod(directory_.c_str(), 0700);
  std::string keyPath = directory_ + "/.key";
  std::string existing = readFile(keyPath);
  if (existing.size() == 32) return existing;
  std::string fresh(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()), 32) != 1) throw std::runtime_error("no randomness for the token key");
  writePrivateFile(keyPath, fresh);
  return fresh;
}

std::optional<SavedLogin> TokenStore::load() const {
  std::string sealed = readFile(path());
  if (sealed.empty()) return std::nullopt;
  try {
    json::Value saved = json::parse(openText(key(), sealed));
    SavedLogin login{saved.stringOr("refresh_token", ""), saved.stringOr("client_id", ""), saved.stringOr("client_secret", ""),
                     saved.stringOr("issuer", ""), saved.stringOr("scope", "")};
    if (login.refreshToken.empty()) return std::nullopt;
    return login;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void TokenStore::save(const SavedLogin& login) const {
  std::string plain = "{\"refresh_token\":" + json::quote(login.refreshToken) + ",\"client_id\":" + json::quote(login.clientId) +
                      ",\"client_secret\":" + json::quote(login.clientSecret) + ",\"issuer\":" + json::quote(login.issuer) +
                      ",\"scope\":" + json::quote(login.scope) + "}";
  writePrivateFile(path(), sealText(key(), plain));
}

void TokenStore::forget() const { std::remove(path().c_str()); }

}  // namespace moat::remoteauth
