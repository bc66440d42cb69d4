// The shared crypto helpers against published test vectors and their own inverses.
#include <catch2/catch.hpp>

#include "crypto/Base64.h"
#include "crypto/ConstantTime.h"
#include "crypto/PercentEncoding.h"
#include "crypto/Sha256.h"

using namespace moat;

TEST_CASE("SHA-256 matches the FIPS 180-2 vectors") {
  CHECK(crypto::hex(crypto::sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(crypto::hex(crypto::sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(crypto::fingerprint("abc") == "ba7816bf8f01");
  CHECK(crypto::sha256("abc").size() == 32);
  CHECK(crypto::sha256Once("abc") == crypto::sha256("abc"));
}

TEST_CASE("hex round-trips and refuses what is not hex") {
  CHECK(crypto::fromHex("00ff7A") == std::string("\x00\xff\x7a", 3));
  CHECK_FALSE(crypto::fromHex("abc").has_value());
  CHECK_FALSE(crypto::fromHex("zz").has_value());
  CHECK(crypto::hex(std::string("\x01\xab", 2)) == "01ab");
}

TEST_CASE("form encoding escapes all but the unreserved set, and decodes back") {
  CHECK(crypto::formUrlEncode("a b&c=d/é~._-") == "a%20b%26c%3Dd%2F%C3%A9~._-");
  CHECK(crypto::formUrlDecode("a%20b+c%26%3d") == "a b c&=");
  CHECK(crypto::formUrlDecode("100%") == "100%");
  CHECK(crypto::formUrlDecode("%zz") == "%zz");
  CHECK(crypto::formUrlDecode(crypto::formUrlEncode("code:/?#[]@!$&'()*+,;=%")) == "code:/?#[]@!$&'()*+,;=%");
}

TEST_CASE("base64url is strict and base64 pads") {
  CHECK(crypto::base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(crypto::base64UrlDecode("-_8") == std::string("\xfb\xff"));
  CHECK_FALSE(crypto::base64UrlDecode("-_9").has_value());  // stray trailing bits
  CHECK(crypto::base64Encode("ab") == "YWI=");
}

TEST_CASE("constant-time comparison is plain equality") {
  CHECK(crypto::constantTimeEquals("secret", "secret"));
  CHECK_FALSE(crypto::constantTimeEquals("secret", "secreT"));
  CHECK_FALSE(crypto::constantTimeEquals("secret", "secret2"));
}
