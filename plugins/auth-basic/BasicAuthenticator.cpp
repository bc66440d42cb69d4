#include "BasicAuthenticator.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <strings.h>

#include <cstring>
#include <memory>
#include <sstream>

#include "crypto/ConstantTime.h"
#include "crypto/Sha256.h"
#include "moat/settings.hpp"

namespace {

constexpr int64_t kRememberMs = 5 * 60'000;
constexpr size_t kRememberMax = 10'000;

bool supportedHash(const std::string& hash) {
  for (const char* prefix : {"$2y$", "$2b$", "$2a$", "$6$", "$5$", "$y$", "$gy$"})
    if (hash.rfind(prefix, 0) == 0) return true;
  return false;
}

std::optional<std::string> decodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t padding = (text.back() == '=') + (text.size() > 1 && text[text.size() - 2] == '=');
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

}  // namespace

BasicAuthenticator::BasicAuthenticator(const moat::Host& host, const moat::json::Value& config) : host_(host) {
  moat::settings::checkKeys(config, {"users_file", "realm"}, host.instanceName());
  realm_ = config.stringOr("realm", "moat");
  std::string file = moat::settings::required(config, "users_file", "a file of user:hash lines, e.g. from htpasswd -nB user");
  std::istringstream lines(host.readSecretFile(file));
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    std::string where = "users_file " + file + " line " + std::to_string(number);
    if (colon == std::string::npos || colon == 0) throw std::runtime_error(where + ": expected user:hash");
    std::string hash = line.substr(colon + 1);
    if (!supportedHash(hash))
      throw std::runtime_error(where + ": not a bcrypt, SHA-crypt or yescrypt hash (make one with htpasswd -nB USER or openssl passwd -6)");
    hashes_[line.substr(0, colon)] = hash;
  }
  if (hashes_.empty()) throw std::runtime_error("users_file " + file + " holds no users");
  host.warn("auth-basic is for edge protection (tunnels, development), not for production identity");
}

bool BasicAuthenticator::verify(const std::string& user, const std::string& password) {
  auto it = hashes_.find(user);
  // An unknown user costs the same hash as a known one, so timing does not reveal user names.
  const std::string& hash = it != hashes_.end() ? it->second : hashes_.begin()->second;
  const std::string key = moat::crypto::sha256(user + '\0' + password + '\0' + hash);
  const int64_t now = host_.monotonicMs();
  {
    std::lock_guard lock(cacheMutex_);
    auto hit = verified_.find(key);
    if (hit != verified_.end() && hit->second > now) return it != hashes_.end();
  }
  auto data = std::make_unique<crypt_data>();
  // crypt_rn, not crypt_r: sanitizers intercept crypt_r and, when libcrypt arrives with a plugin
  // loaded after start-up, call through a null pointer. crypt_rn returns NULL on failure.
  const char* computed = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  bool match = computed && computed[0] != '*' && moat::crypto::constantTimeEquals(computed, hash) && it != hashes_.end();
  if (match) {
    std::lock_guard lock(cacheMutex_);
    if (verified_.size() >= kRememberMax) verified_.clear();
    verified_[key] = now + kRememberMs;
  }
  return match;
}

moat::Status BasicAuthenticator::challenge(moat::Request& request, const std::string& why) {
  host_.count("rejected");
  return request.replyRpcError(401, moat::jsonrpc::kUnauthorized, why, {{"WWW-Authenticate", "Basic realm=\"" + realm_ + "\", charset=\"UTF-8\""}});
}

moat::Status BasicAuthenticator::onRequest(moat::Request& request) {
  auto credential = request.clientCredential();
  if (!credential) return challenge(request, "authentication required");
  std::string_view value = *credential;
  if (value.size() < 6 || ::strncasecmp(value.data(), "Basic ", 6) != 0) return challenge(request, "expected HTTP Basic credentials");
  auto decoded = decodeBase64(value.substr(6));
  auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return challenge(request, "malformed Basic credentials");
  std::string user = decoded->substr(0, colon);
  if (!verify(user, decoded->substr(colon + 1))) {
    host_.info("basic authentication failed for user '" + user + "'");
    return challenge(request, "invalid user name or password");
  }
  host_.count("accepted");
  request.setIdentity(user, "{\"auth\":\"basic\"}");
  return moat::Status::Continue;
}

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHENTICATOR, "auth-basic", "1.0.0",
                   "HTTP Basic authentication against an htpasswd file of crypt(3) hashes (edge protection)", BasicAuthenticator)
