// The cost of validating a token the gateway has not seen (token cache off): header checks,
// key lookup, signature, claims, for RS256, ES256 and EdDSA. tests/bench/bench.mjs compares the
// rate with `openssl speed`'s raw verify rate for the same key type, measured in the same run.
// Prints one JSON line per algorithm.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "oauth/OidcAuthenticator.h"
#include "testing/TestKeys.h"
#include "moat/testing.hpp"

using namespace moat;
using namespace moat::oidc;
using namespace moat::oidc::testing;

namespace {

const std::string kIssuer = "http://127.0.0.1:9999";
const std::string kAudience = "http://127.0.0.1:8080/mcp";

void measure(const char* alg, const TestKey& key, int count) {
  moat::testing::FakeHost host;
  const std::string keys = jwks({key.jwk(alg)});
  host.http = [&](const moat_http_call&, Host::HttpResponse& response, std::string&) {
    response.status = 200;
    response.body = keys;
    return true;
  };
  OidcAuthenticator auth(host.host(), readOidcSettings(host.host(), json::parse(
      R"({"issuer":")" + kIssuer + R"(","jwks_url":")" + kIssuer + R"(/jwks","discovery":false,"token_cache_size":0})")));
  const int64_t now = moat::testing::FakeHost::nowUnixMs / 1000;
  std::vector<std::string> tokens;
  for (int i = 0; i < count; ++i)
    tokens.push_back(signedToken(key, alg, std::string(R"({"alg":")") + alg + R"(","kid":")" + key.kid() + R"(","typ":"at+jwt"})",
                                 R"({"iss":")" + kIssuer + R"(","sub":"user-)" + std::to_string(i) + R"(","aud":")" + kAudience +
                                     R"(","exp":)" + std::to_string(now + 600) + R"(,"jti":")" + std::to_string(i) + R"("})"));
  auto validate = [&](const std::string& token) {
    moat::testing::FakeRequest r;
    r.resourceUrl = kAudience;
    r.clientCredential = "Bearer " + token;
    Request request = host.request(r);
    return auth.onRequest(request) == Status::Continue && r.identity.has_value();
  };
  if (!validate(tokens[0])) {  // the warm-up also fetches the keys
    std::fprintf(stderr, "%s: the token was refused\n", alg);
    std::exit(1);
  }
  int accepted = 0;
  auto started = std::chrono::steady_clock::now();
  for (const auto& token : tokens) accepted += validate(token) ? 1 : 0;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"alg\":\"%s\",\"tokens\":%d,\"accepted\":%d,\"validations_per_s\":%.0f,\"us_per_validation\":%.1f}\n", alg, count,
              accepted, count / seconds, seconds * 1e6 / count);
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 5000;
  measure("RS256", TestKey::rsa("rsa-2048", 2048), count);
  measure("ES256", TestKey::ec("p-256", "P-256"), count);
  measure("EdDSA", TestKey::ed25519("ed25519"), count);
  return 0;
}
