// Reading and replacing a client's configuration file without ever leaving it half written.
#pragma once

#include <optional>
#include <string>

namespace moat::clients {

// The file's text, or nullopt when it does not exist. Throws std::runtime_error when it exists
// but cannot be read.
std::optional<std::string> readConfigFile(const std::string& path);

// Replaces the file: the first time moat writes it, a copy of the original is kept next to it
// (PATH.moat-backup); the new text goes to a temporary file in the same folder, with the
// original's permissions, and is renamed over it. A symbolic link is followed, so a dotfiles
// link keeps pointing at the edited file. Throws std::runtime_error.
void replaceConfigFile(const std::string& path, const std::string& text);

}  // namespace moat::clients
