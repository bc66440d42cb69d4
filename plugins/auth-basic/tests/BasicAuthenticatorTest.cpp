// auth-basic with hashes made here by libxcrypt: bcrypt (what htpasswd -B writes) and SHA-crypt
// (what openssl passwd -6 writes).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <crypt.h>

#include "BasicAuthenticator.h"
#include "moat/testing.hpp"

using namespace moat;

namespace {

std::string hashOf(const char* prefix, const char* password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(crypt_gensalt_rn(prefix, prefix[1] == '2' ? 4 : 0, nullptr, 0, salt, sizeof salt));
  crypt_data data{};
  return crypt_r(password, salt, &data);
}

std::string basic(const std::string& userPass) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < userPass.size(); i += 3) {
    unsigned n = (unsigned char)userPass[i] << 16 | (unsigned char)userPass[i + 1] << 8 | (unsigned char)userPass[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(n >> s) & 63];
  }
  if (userPass.size() - i == 1) {
    unsigned n = (unsigned char)userPass[i] << 16;
    out += alphabet[(n >> 18) & 63]; out += alphabet[(n >> 12) & 63]; out += "==";
  } else if (userPass.size() - i == 2) {
    unsigned n = (unsigned char)userPass[i] << 16 | (unsigned char)userPass[i + 1] << 8;
    out += alphabet[(n >> 18) & 63]; out += alphabet[(n >> 12) & 63]; out += alphabet[(n >> 6) & 63]; out += '=';
  }
  return "Basic " + out;
}

}  // namespace

TEST_CASE("basic: bcrypt and SHA-crypt users get in, wrong passwords and unknown users do not", "[basic]") {
  moat::testing::FakeHost host;
  host.files["/users"] = "# team\nalice:" + hashOf("$2b$", "wonderland") + "\nbob:" + hashOf("$6$", "builder") + "\n";
  BasicAuthenticator auth(host.host(), json::parse(R"({"users_file":"/users","realm":"edge"})"));
  CHECK(host.logs.back().second.find("not for production") != std::string::npos);

  auto run = [&](std::optional<std::string> credential) {
    moat::testing::FakeRequest r;
    r.clientCredential = std::move(credential);
    Request req = host.request(r);
    auth.onRequest(req);
    return r;
  };
  auto alice = run(basic("alice:wonderland"));
  CHECK(alice.replyStatus == 0);
  CHECK(alice.identity->first == "alice");
  CHECK(run(basic("bob:builder")).identity->first == "bob");
  for (auto bad : {basic("alice:Wonderland"), basic("carol:wonderland"), basic("alice"), std::string("Basic !!!!"),
                   std::string("Bearer abc")}) {
    INFO(bad);
    auto r = run(bad);
    CHECK(r.replyStatus == 401);
    CHECK(r.replyHeaders["www-authenticate"] == "Basic realm=\"edge\", charset=\"UTF-8\"");
    CHECK_FALSE(r.identity);
  }
  CHECK(run(std::nullopt).replyStatus == 401);
  // A remembered success is not a remembered password: the wrong one still fails afterwards.
  CHECK(auth.verify("alice", "wonderland"));
  CHECK_FALSE(auth.verify("alice", "wonderlan"));
}

TEST_CASE("basic: a users file with plain or unsupported hashes is refused with its line", "[basic]") {
  moat::testing::FakeHost host;
  host.files["/plain"] = "alice:wonderland\n";
  CHECK_THROWS_WITH(BasicAuthenticator(host.host(), json::parse(R"({"users_file":"/plain"})")),
                    Catch::Contains("line 1") && Catch::Contains("htpasswd -nB"));
  host.files["/apr"] = "alice:$apr1$abc$def\n";
  CHECK_THROWS_WITH(BasicAuthenticator(host.host(), json::parse(R"({"users_file":"/apr"})")), Catch::Contains("line 1"));
  CHECK_THROWS_WITH(BasicAuthenticator(host.host(), json::parse("{}")), Catch::StartsWith("users_file: required"));
}
