// One loaded policy set and its fixed entities, and the decision on one request (Cedar's JSON
// request shape, see cedar-ffi/src/lib.rs). Immutable once built, so requests on many threads
// share it; a reload builds a new one.
#pragma once

#include <memory>
#include <string>
#include <vector>

struct MoatCedarPolicies;
struct MoatCedarEntities;

namespace moat::cedar {

struct PolicySource {
  std::string name;  // where it came from, for error messages: a file, or policies[2]
  std::string text;
};

class Engine {
 public:
  // Throws std::runtime_error naming the source, line and column of every policy that does not
  // parse, or what is wrong with the entities.
  Engine(const std::vector<PolicySource>& policies, const std::string& entitiesJson);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  size_t policyCount() const;
  enum class Decision { Allow, Deny };
  // Throws std::runtime_error when the request cannot be evaluated (a policy erred on it).
  Decision decide(const std::string& requestJson) const;

 private:
  MoatCedarPolicies* policies_ = nullptr;
  MoatCedarEntities* entities_ = nullptr;
};

}  // namespace moat::cedar
