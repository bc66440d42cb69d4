// The desktop keyring, where there is one, holds the secret store's key, so neither a passphrase
// prompt nor a passphrase file is needed: the Secret Service (GNOME Keyring, KWallet) through
// libsecret's `secret-tool` on Linux, the login keychain through `security` on macOS. Moat talks
// to them as programs rather than linking GLib into the gateway; the key goes through a pipe,
// never an argument.
#pragma once

#include <optional>
#include <string>

namespace moat::secrets {

// Whether a keyring can be asked: its tool is installed, a session bus (Linux) is there, and
// MOAT_SECRETS_KEYRING is not "off".
bool keyringAvailable();
// The key kept for the store at `storePath`, or nullopt when there is none (or the keyring does
// not answer within a few seconds: a locked keyring that wants a prompt is not waited for).
std::optional<std::string> keyringLookup(const std::string& storePath);
// Keeps `key` for the store at `storePath`; throws std::runtime_error when the keyring refuses.
void keyringStore(const std::string& storePath, const std::string& key);

}  // namespace moat::secrets
