#include "CedarEngine.h"

#include <stdexcept>

#include "CedarFfi.h"

namespace moat::cedar {
namespace {

// Takes ownership of a string the Rust side allocated.
std::string taken(char* text) {
  std::string out = text ? text : "no reason given";
  moat_cedar_string_free(text);
  return out;
}

}  // namespace

Engine::Engine(const std::vector<PolicySource>& policies, const std::string& entitiesJson) {
  // Each source is parsed alone first, so an error's line and column are in that source.
  std::string all;
  std::string problems;
  for (const auto& source : policies) {
    char* error = nullptr;
    MoatCedarPolicies* one = moat_cedar_policies_parse(source.text.data(), source.text.size(), &error);
    if (!one) {
      problems += (problems.empty() ? "" : "\n") + source.name + ":" + taken(error);
      continue;
    }
    moat_cedar_policies_free(one);
    all += source.text + "\n";
  }
  if (!problems.empty()) throw std::runtime_error("Cedar policies do not parse:\n" + problems);
  char* error = nullptr;
  policies_ = moat_cedar_policies_parse(all.data(), all.size(), &error);
  if (!policies_) throw std::runtime_error("Cedar policies do not parse together: " + taken(error));
  if (!entitiesJson.empty()) {
    entities_ = moat_cedar_entities_parse(entitiesJson.data(), entitiesJson.size(), &error);
    if (!entities_) {
      moat_cedar_policies_free(policies_);
      throw std::runtime_error("Cedar entities are not valid: " + taken(error));
    }
  }
}

Engine::~Engine() {
  moat_cedar_entities_free(entities_);
  moat_cedar_policies_free(policies_);
}

size_t Engine::policyCount() const { return moat_cedar_policies_count(policies_); }

Engine::Decision Engine::decide(const std::string& requestJson) const {
  char* error = nullptr;
  const int32_t answer = moat_cedar_authorize(policies_, entities_, requestJson.data(), requestJson.size(), &error);
  if (answer < 0) throw std::runtime_error(taken(error));
  return answer == 1 ? Decision::Allow : Decision::Deny;
}

}  // namespace moat::cedar
