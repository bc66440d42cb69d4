// auth-basic: HTTP Basic authentication against an htpasswd-style file whose hashes are crypt(3)
// strings (bcrypt from `htpasswd -B`, SHA-crypt from `openssl passwd -6`, yescrypt). Meant for
// edge protection when tunnelling; logs that it is not for production identity.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "moat/plugin.hpp"

class BasicAuthenticator : public moat::Filter {
 public:
  // config: {"users_file": path, "realm": "moat"}
  BasicAuthenticator(const moat::Host& host, const moat::json::Value& config);
  moat::Status onRequest(moat::Request& request) override;

  // Whether `password` matches `user`'s hash. Slow hashes are checked once per credential and
  // remembered (by a SHA-256 of user, password and hash) for a few minutes.
  bool verify(const std::string& user, const std::string& password);

 private:
  moat::Status challenge(moat::Request& request, const std::string& why);

  moat::Host host_;
  std::string realm_;
  std::map<std::string, std::string> hashes_;  // user -> crypt(3) hash
  std::mutex cacheMutex_;
  std::unordered_map<std::string, int64_t> verified_;  // digest -> valid until (monotonic ms)
};
