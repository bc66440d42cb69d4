// The pieces of remote auth that need no server: challenge parsing, well-known URLs, PKCE, the
// sealed token file, callback query parsing. The flow itself is tested end to end against the
// oidc-provider test IdP (tests/integration/remote-auth.test.mjs).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "CallbackServer.h"
#include "LegacyDiscovery.h"
#include "Pkce.h"
#include "ResourceDiscovery.h"
#include "TokenStore.h"

using namespace moat::remoteauth;

TEST_CASE("Bearer challenges with quoted and bare values") {
  auto c = parseBearerChallenge(R"(Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="files:read files:write", error=insufficient_scope)");
  CHECK(c.resourceMetadata == "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
  CHECK(c.scope == "files:read files:write");
  CHECK(c.error == "insufficient_scope");
  CHECK(parseBearerChallenge("Basic realm=\"x\"").resourceMetadata.empty());
  CHECK(headerValue("Content-Type: a\r\nwww-authenticate: Bearer x=1\r\n", "WWW-Authenticate") == "Bearer x=1");
}

TEST_CASE("protected-resource metadata URLs: path-inserted, then root") {
  CHECK(protectedResourceMetadataUrls("https://mcp.example.com/public/mcp") ==
        std::vector<std::string>{"https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp",
                                 "https://mcp.example.com/.well-known/oauth-protected-resource"});
  CHECK(protectedResourceMetadataUrls("https://mcp.example.com") == std::vector<std::string>{"https://mcp.example.com/.well-known/oauth-protected-resource"});
}

TEST_CASE("protected-resource metadata speaks only for its own resource and the paths under it") {
  using moat::remoteauth::resourceCovers;
  CHECK(resourceCovers("https://api.example.com/mcp", "https://api.example.com/mcp"));
  CHECK(resourceCovers("https://api.example.com/mcp/", "https://api.example.com/mcp"));
  CHECK(resourceCovers("https://api.example.com", "https://api.example.com/mcp"));  // a root resource
  CHECK(resourceCovers("https://API.example.com/mcp", "https://api.example.com/mcp/tenant"));
  CHECK_FALSE(resourceCovers("https://evil.example.com/mcp", "https://api.example.com/mcp"));
  CHECK_FALSE(resourceCovers("https://api.example.com/mcp", "https://api.example.com/mcpx"));
  CHECK_FALSE(resourceCovers("https://api.example.com/other", "https://api.example.com/mcp"));
  CHECK_FALSE(resourceCovers("http://api.example.com/mcp", "https://api.example.com/mcp"));
  CHECK_FALSE(resourceCovers("https://api.example.com:8443/mcp", "https://api.example.com/mcp"));
}

TEST_CASE("the 2025-03-26 authorization base URL is the server URL without its path") {
  using moat::remoteauth::authorizationBaseUrl;
  CHECK(authorizationBaseUrl("https://api.example.com/v1/mcp") == "https://api.example.com");
  CHECK(authorizationBaseUrl("http://localhost:3000/mcp?x=1") == "http://localhost:3000");
  CHECK(authorizationBaseUrl("https://api.example.com") == "https://api.example.com");
  CHECK(authorizationBaseUrl("https://api.example.com#frag") == "https://api.example.com");
}

TEST_CASE("PKCE S256 matches RFC 7636's example") {
  CHECK(codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  CHECK(randomUrlSafe(32).size() == 43);
  CHECK(randomUrlSafe(32) != randomUrlSafe(32));
}

TEST_CASE("the saved login is sealed, private, and refused when altered") {
  std::string dir = (std::filesystem::temp_directory_path() / ("moat-remote-auth-test-" + std::to_string(::getpid()))).string();
  TokenStore store(dir, "github");
  CHECK_FALSE(store.load());
  store.save({"refresh-s3cret", "client-1", "", "https://idp.example.com", "openid mcp:read"});
  auto loaded = store.load();
  REQUIRE(loaded);
  CHECK(loaded->refreshToken == "refresh-s3cret");
  CHECK(loaded->clientId == "client-1");
  struct stat st {};
  REQUIRE(::stat(store.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::ifstream in(store.path(), std::ios::binary);
  std::string sealed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(sealed.find("refresh-s3cret") == std::string::npos);
  sealed[20] = static_cast<char>(sealed[20] ^ 1);
  std::ofstream(store.path(), std::ios::binary) << sealed;
  CHECK_FALSE(store.load());
  store.forget();
  CHECK_FALSE(std::filesystem::exists(store.path()));
  std::filesystem::remove_all(dir);
  CHECK_THROWS(openText(std::string(32, 'k'), sealText(std::string(32, 'j'), "x")));
}

TEST_CASE("callback queries are percent-decoded") {
  auto q = parseQuery("code=abc%2Fdef&state=s1&error_description=access+denied&iss=https%3A%2F%2Fidp.example.com");
  CHECK(q["code"] == "abc/def");
  CHECK(q["error_description"] == "access denied");
  CHECK(q["iss"] == "https://idp.example.com");
}

TEST_CASE("a callback port in use is one clear error") {
  CallbackServer first(0 + 18766);
  CHECK_THROWS_WITH(CallbackServer(18766), Catch::Contains("callback port 18766 is in use"));
}
