// glibc keeps a small cache of freed chunks per thread (tcache). A gateway runs a hundred worker
// threads that each meet new allocation sizes over hours, so those caches fill slowly and the
// process's memory creeps up for a long time before it levels off: the 30-minute soak measured
// +8.9 KiB/min of "in use" heap that heaptrack showed the program never held, and a flat heap
// with the caches off (docs/benchmarks.md). The caches can only be turned off before the
// process starts (GLIBC_TUNABLES), so a long-running command starts itself once more with them
// off, unless the operator set GLIBC_TUNABLES already.
#pragma once

namespace moat::cli {

// Call first in main. Returns only when nothing needs doing or the restart failed; the
// variables it set for the restart are removed again so that servers the gateway starts run
// with the environment it was given.
void tuneAllocator(char** argv);

}  // namespace moat::cli
