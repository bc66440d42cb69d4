#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "replicas/ReplicaKey.h"

using moat::replicas::ForwardedRequest;
using moat::replicas::ReplicaKey;
using moat::replicas::SignatureLedger;

namespace {

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("a forwarded request's signature covers what the owner acts on") {
  const ReplicaKey key(std::string(32, 'k'));
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})";
  ForwardedRequest request{"POST", "everything", "session-1", std::string("alice"), 1700000000, &body};
  const std::string signature = key.sign(request);
  CHECK(signature.size() == 64);
  CHECK(key.verify(request, signature));
  CHECK_FALSE(ReplicaKey(std::string(32, 'x')).verify(request, signature));

  const std::string otherBody = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";
  auto changed = [&](auto edit) {
    ForwardedRequest copy = request;
    edit(copy);
    return key.verify(copy, signature);
  };
  CHECK_FALSE(changed([](ForwardedRequest& r) { r.method = "DELETE"; }));
  CHECK_FALSE(changed([](ForwardedRequest& r) { r.route = "other"; }));
  CHECK_FALSE(changed([](ForwardedRequest& r) { r.session = "session-2"; }));
  CHECK_FALSE(changed([](ForwardedRequest& r) { r.subject = "bob"; }));
  CHECK_FALSE(changed([](ForwardedRequest& r) { r.subject.reset(); }));
  CHECK_FALSE(changed([](ForwardedRequest& r) { r.unixSeconds += 1; }));
  CHECK_FALSE(changed([&](ForwardedRequest& r) { r.body = &otherBody; }));
  CHECK_FALSE(key.verify(request, signature.substr(0, 63)));
}

TEST_CASE("the replica key file must hold at least 32 bytes") {
  const std::string path = "replica-key-test.txt";
  std::ofstream(path) << "short\n";
  CHECK_THROWS_WITH(ReplicaKey::fromFile(path), Catch::Contains("fewer than 32 bytes"));
  std::ofstream(path) << std::string(64, 'a') << "\n";
  const ReplicaKey fromFile = ReplicaKey::fromFile(path);
  const std::string body;
  ForwardedRequest request{"GET", "r", "s", std::nullopt, 1, &body};
  CHECK(fromFile.sign(request) == ReplicaKey(std::string(64, 'a')).sign(request));  // the newline is not part of it
  std::remove(path.c_str());
  CHECK_THROWS_WITH(ReplicaKey::fromFile(path), Catch::Contains("cannot read"));
}

TEST_CASE("a signature is admitted once, and only while fresh") {
  SignatureLedger ledger(4);
  std::string why;
  CHECK(ledger.admit(nowSeconds(), "a", why));
  CHECK_FALSE(ledger.admit(nowSeconds(), "a", why));
  CHECK_THAT(why, Catch::Contains("replay"));
  CHECK_FALSE(ledger.admit(nowSeconds() - 120, "b", why));
  CHECK_THAT(why, Catch::Contains("more than 60 s"));
  CHECK_FALSE(ledger.admit(nowSeconds() + 120, "c", why));
  // Bounded: past its capacity the oldest are forgotten.
  for (const char* s : {"d", "e", "f", "g"}) CHECK(ledger.admit(nowSeconds(), s, why));
  CHECK(ledger.admit(nowSeconds(), "a", why));
}
