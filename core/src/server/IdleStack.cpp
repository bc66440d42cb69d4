#include "server/IdleStack.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace moat::gateway {

void releaseStackBelowCaller() {
  pthread_attr_t attributes;
  if (::pthread_getattr_np(::pthread_self(), &attributes) != 0) return;
  void* lowest = nullptr;
  size_t size = 0;
  int found = ::pthread_attr_getstack(&attributes, &lowest, &size);
  ::pthread_attr_destroy(&attributes);
  if (found != 0 || !lowest) return;
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  volatile char marker = 0;
  const uintptr_t here = reinterpret_cast<uintptr_t>(&marker);
  // The page holding this frame stays, and one below it for madvise's own call frame.
  const uintptr_t top = (here & ~(page - 1)) - page;
  const uintptr_t bottom = (reinterpret_cast<uintptr_t>(lowest) + page - 1) & ~(page - 1);
  if (here < reinterpret_cast<uintptr_t>(lowest) + 2 * page || top <= bottom) return;
  ::madvise(reinterpret_cast<void*>(bottom), top - bottom, MADV_DONTNEED);
}

}  // namespace moat::gateway
