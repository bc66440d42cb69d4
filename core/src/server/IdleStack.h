// Stack memory of a worker thread about to wait for a long time on an idle stream.
#pragma once

namespace moat::gateway {

// Gives the pages of this thread's stack below the caller's frame back to the kernel. A worker
// keeps resident every stack page its deepest call ever touched (header parsing, logging,
// upstream setup); one thread holds each open stream, so with thousands of idle streams that
// was about half of each stream's memory. The pages come back, zeroed, if the thread goes deep
// again.
void releaseStackBelowCaller();

}  // namespace moat::gateway
