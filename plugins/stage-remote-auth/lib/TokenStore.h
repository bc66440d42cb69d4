// The saved login of one remote-auth name: its refresh token and the client it was issued to,
// encrypted with AES-256-GCM in DIR/NAME.login (mode 0600) under a key in DIR/.key (mode 0600,
// made on first use). The key sits next to the file: this keeps tokens out of backups, logs and
// casual reads, not from someone who can read the user's files. Access tokens stay in memory.
#pragma once

#include <optional>
#include <string>

namespace moat::remoteauth {

struct SavedLogin {
  std::string refreshToken;
  std::string clientId;
  std::string clientSecret;  // from dynamic registration, when the server gave one
  std::string issuer;
  std::string scope;
};

class TokenStore {
 public:
  TokenStore(std::string directory, std::string name);

  std::optional<SavedLogin> load() const;  // nullopt when nothing is saved or it cannot be read
  void save(const SavedLogin& login) const;  // throws std::runtime_error
  void forget() const;
  std::string path() const;

 private:
  std::string key() const;  // 32 bytes, made on first use

  std::string directory_;
  std::string name_;
};

// AES-256-GCM: nonce(12) || ciphertext || tag(16). Throws when the key or tag is wrong.
std::string sealText(const std::string& key, const std::string& plain);
std::string openText(const std::string& key, const std::string& sealed);

}  // namespace moat::remoteauth
