// retain_freed_heap: glibc's mmap and trim thresholds, unless the user tuned malloc.
#include "gr2/core/heap_retention.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace gr2 {

void retain_freed_heap() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return;
  // Setting either threshold freezes glibc's dynamic mmap threshold at its start (128 KiB: every
  // larger buffer would be a fresh mmap, faulted in page by page), so both are set: blocks up to
  // 32 MiB (glibc's largest allowed threshold on 64-bit) come from the heap, whose free top is
  // returned to the kernel only beyond 1 GiB.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace gr2
