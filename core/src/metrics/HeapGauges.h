// What the allocator holds, as Prometheus gauges: bytes handed out and not yet freed, and bytes
// kept free inside its arenas. RSS alone cannot tell a leak (in-use bytes climb) from
// fragmentation (free bytes climb while in-use bytes stay flat); the soak samples both.
#pragma once

#include <string>

namespace moat::metrics {

// Exposition text for moat_heap_in_use_bytes and moat_heap_free_bytes; empty where the C
// library offers no mallinfo2 (anything but glibc 2.33+).
std::string heapGaugesText();

}  // namespace moat::metrics
