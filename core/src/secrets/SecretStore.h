// Secrets by name, kept out of configuration files, command lines and logs. Two providers:
// an encrypted file (the default: $MOAT_STATE_DIR/secrets.json, mode 0600, AES-256-GCM under a
// key derived from a passphrase with scrypt; the file holds no value in the clear) and the
// environment (MOAT_SECRET_<NAME>, for CI, where the runner already keeps secrets).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moat::secrets {

// Where the passphrase comes from: MOAT_SECRETS_PASSPHRASE_FILE, MOAT_SECRETS_PASSPHRASE, or a
// prompt on the terminal; throws when there is none.
std::string passphrase(bool confirm);

class EncryptedFile {
 public:
  EncryptedFile(std::string path, std::string passphrase) : path_(std::move(path)), passphrase_(std::move(passphrase)) {}
  // Every secret; an absent file is an empty store. Throws on a wrong passphrase or a damaged file.
  std::map<std::string, std::string> load() const;
  // Replaces the file atomically (a new salt and nonce every time).
  void save(const std::map<std::string, std::string>& secrets) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string passphrase_;
};

// The store `moat secret` and `moat run --secret` use: MOAT_SECRETS_PROVIDER=environment
// reads MOAT_SECRET_<NAME> (upper case, '-' and '.' as '_'); otherwise the encrypted file.
std::string defaultStorePath();
bool environmentProvider();
std::string environmentName(const std::string& name);
// The value of one secret from the configured provider; nullopt when it has none.
std::optional<std::string> lookup(const std::string& name);

// Every named secret from the configured provider, asking for the passphrase once (given back in
// `passphraseUsed` for a process started in the background); throws naming a missing one.
std::map<std::string, std::string> resolve(const std::vector<std::string>& names, std::string* passphraseUsed = nullptr);

// Removes the store's settings (passphrase, provider, file) and every MOAT_SECRET_* variable from
// this process's environment, so the servers it starts (which inherit it) never see them; this
// process keeps reading them. Call it before starting threads.
void scrubEnvironment();

// Stores `value` as `name` in the encrypted store (a new store's passphrase is asked twice);
// whether it replaced a value.
bool storeSecret(const std::string& name, const std::string& value);
// A line typed on the terminal without echo, after `prompt` on standard error; nullopt when
// standard input is not a terminal.
std::optional<std::string> promptHidden(const std::string& prompt);

// Names are letters, digits, '_', '-' and '.'; throws otherwise.
void checkName(const std::string& name);

}  // namespace moat::secrets
