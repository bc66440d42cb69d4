#include "metrics/HeapGauges.h"

#include <malloc.h>

namespace moat::metrics {

std::string heapGaugesText() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  // Takes every arena's lock for a moment: fine once per scrape, not per request.
  const struct mallinfo2 heap = ::mallinfo2();
  return "# HELP moat_heap_in_use_bytes Bytes the allocator has handed out and not had back (arenas and mmap).\n"
         "# TYPE moat_heap_in_use_bytes gauge\n"
         "moat_heap_in_use_bytes " + std::to_string(heap.uordblks + heap.hblkhd) + "\n"
         "# HELP moat_heap_free_bytes Bytes the allocator keeps free inside its arenas.\n"
         "# TYPE moat_heap_free_bytes gauge\n"
         "moat_heap_free_bytes " + std::to_string(heap.fordblks) + "\n";
#else
  return {};
#endif
}

}  // namespace moat::metrics
