#include "replicas/ReplicaKey.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace moat::replicas {
namespace {

std::string hex(const unsigned char* bytes, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0xF]);
  }
  return out;
}

std::string sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed");
  return hex(digest, length);
}

// Fields joined by newlines; none may hold one (the route and method are ours, the session id
// and subject were checked as header values), so no two requests share a signed text.
std::string signedText(const ForwardedRequest& request) {
  std::string text = "moat-replica-v1\n";
  text += request.method + "\n" + request.route + "\n" + request.session + "\n";
  text += request.subject ? "+" + *request.subject : std::string("-");
  text += "\n" + std::to_string(request.unixSeconds) + "\n";
  text += sha256Hex(request.body ? *request.body : std::string());
  return text;
}

}  // namespace

ReplicaKey ReplicaKey::fromFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the replica key file " + file);
  std::stringstream content;
  content << in.rdbuf();
  std::string secret = content.str();
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.size() < 32) throw std::runtime_error("the replica key file " + file + " holds fewer than 32 bytes (make one with: openssl rand -hex 32)");
  return ReplicaKey(std::move(secret));
}

std::string ReplicaKey::sign(const ForwardedRequest& request) const {
  const std::string text = signedText(request);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  return hex(mac, length);
}

bool ReplicaKey::verify(const ForwardedRequest& request, const std::string& signature) const {
  const std::string expected = sign(request);
  return signature.size() == expected.size() && CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
}

bool SignatureLedger::admit(int64_t unixSeconds, const std::string& signature, std::string& why) {
  const auto wall = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (unixSeconds < wall - kWindow.count() || unixSeconds > wall + kWindow.count()) {
    why = "its time is more than 60 s from this replica's clock";
    return false;
  }
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  // A signature older than twice the window can no longer be fresh: forget it.
  while (!order_.empty() && (order_.front().first < now - 2 * kWindow || order_.size() >= capacity_)) {
    seen_.erase(order_.front().second);
    order_.pop_front();
  }
  if (!seen_.insert(signature).second) {
    why = "it was accepted once already (a replay)";
    return false;
  }
  order_.emplace_back(now, signature);
  return true;
}

}  // namespace moat::replicas
