#include "gateway/Shutdown.h"

#include <atomic>

namespace moat::gateway::shutdown {
namespace {
std::atomic<bool> gRequested{false};
}
void request() { gRequested = true; }
bool requested() { return gRequested.load(std::memory_order_relaxed); }
}  // namespace moat::gateway::shutdown
