// SHA-256 on OpenSSL 3, and the hex forms plugins log, compare and name things by.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::crypto {

// The 32-byte digest. Cheap to call per request: the algorithm is fetched once and each thread
// keeps one digest context (OpenSSL 3's one-shot SHA256() fetches and allocates on every call,
// which cost twice the hashing of a bearer token itself).
std::string sha256(std::string_view bytes);
// The same digest leaving no per-thread state behind, for work on a thread that ends with it (a
// login's). Under LeakSanitizer a per-thread context in a dlopen'd plugin, freed as such a
// thread exits, crashed the leak check at the gateway's exit.
std::string sha256Once(std::string_view bytes);

// Lower-case hex of `bytes`, or of their first `limit` bytes.
std::string hex(std::string_view bytes, size_t limit = std::string_view::npos);
// The bytes of an even-length hex string, or nullopt when it is not one.
std::optional<std::string> fromHex(std::string_view text);

// A short, non-reversible name for a secret in log lines: the first 6 bytes of its SHA-256, in hex.
inline std::string fingerprint(std::string_view secret) { return hex(sha256(secret), 6); }

}  // namespace moat::crypto
